"""Package-level guarantees: no Django dependency, complete public API."""

import subprocess
import sys
from pathlib import Path

import ggzy_guomi

SRC = Path(ggzy_guomi.__file__).resolve().parents[2]


def test_importing_guomi_does_not_import_django() -> None:
    code = (
        "import sys, ggzy_guomi\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SRC, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_resolves() -> None:
    missing = [name for name in ggzy_guomi.__all__ if not hasattr(ggzy_guomi, name)]
    assert missing == []
    assert len(set(ggzy_guomi.__all__)) == len(ggzy_guomi.__all__)
