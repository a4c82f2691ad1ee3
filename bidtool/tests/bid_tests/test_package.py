"""Package-level guarantees of ggzy_bid: no Django, only the declared dependencies, a working script."""

import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import ggzy_bid


def test_the_tool_imports_neither_django_nor_undeclared_packages() -> None:
    code = (
        "import sys, ggzy_bid.cli\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(top & {'django', 'ggzy', 'stdnum', 'requests'}))\n"
        "sys.exit(1 if top & {'django', 'ggzy', 'stdnum', 'requests'} else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_distribution_metadata() -> None:
    dist = distribution("ggzy-bid")
    requirements = sorted(r.split("==")[0].lower() for r in dist.requires or [])
    assert requirements == ["cryptography", "gmssl-pyx", "httpx", "rfc3161-client"]
    (script,) = [e for e in dist.entry_points if e.group == "console_scripts"]
    assert (script.name, script.value) == ("ggzy-bid", "ggzy_bid.cli:main")
    assert f"ggzy-bid/{dist.version}" == ggzy_bid.TOOL_NAME


def test_console_script_runs() -> None:
    script = Path(sys.executable).parent / "ggzy-bid"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ggzy_bid.TOOL_NAME
    result = subprocess.run([script, "upload"], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert "--server" in result.stderr
