"""Package-level guarantees: no Django dependency, complete public API."""

import subprocess
import sys
from pathlib import Path

import ggzy.guomi

SRC = Path(ggzy.guomi.__file__).resolve().parents[2]


def test_importing_guomi_does_not_import_django() -> None:
    code = (
        "import sys, ggzy.guomi\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    result = subprocess.run(  # noqa: S603 - the running interpreter, fixed code
        [sys.executable, "-c", code], cwd=SRC, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_resolves() -> None:
    missing = [name for name in ggzy.guomi.__all__ if not hasattr(ggzy.guomi, name)]
    assert missing == []
    assert len(set(ggzy.guomi.__all__)) == len(ggzy.guomi.__all__)
