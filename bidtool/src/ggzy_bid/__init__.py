"""ggzy-bid: the bidder's offline sealing, upload and opening-decryption tool.

Depends only on `cryptography`, `gmssl_pyx`, `httpx` and `ggzy_guomi` (same distribution) — never Django.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ggzy-bid")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

TOOL_NAME = f"ggzy-bid/{__version__}"

__all__ = ["TOOL_NAME", "__version__"]
