"""The OCDS 1.1 schema for libcoveocds, without network access to standard.open-contracting.org.

libcoveocds reads the standard from a ZIP of its repository (`standard_zip`). In order:

1. `GGZY_OCDS_STANDARD_ZIP`, or `var/ocds/standard-1__1__5.zip`: the real ZIP of the standard at tag 1__1__5
   (https://codeload.github.com/open-contracting/standard/zip/1__1__5), where a machine may fetch it.
2. Otherwise a ZIP assembled from files OCP ships in its own packages on PyPI (fetched once with pip into
   `var/ocds/`): the core release schema (OCDS 1.1.4, from the ocdsmerge 0.8.0 sdist) and the 1.1.5 release
   package schema (from the ocdskit 1.7.0 sdist); the closed codelists are taken from the schema's enums.
   That validates release packages against the real core schema; the record-package schema and the open
   codelists need the real ZIP (1).

`python -m ggzy.disclosure.tests.ocds_standard` prepares (2) ahead of the tests.
"""

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings

TAG = "1__1__5"
SDISTS = {
    "ocdsmerge==0.8.0": {"ocdsmerge-0.8.0/tests/fixtures/release-schema-1__1__4.json": "release-schema.json"},
    "ocdskit==1.7.0": {
        "ocdskit-1.7.0/tests/fixtures/release-package-schema.json": "release-package-schema.json"
    },
}


def folder() -> Path:
    return Path(getattr(settings, "VAR_DIR", "var")) / "ocds"


def real_zip() -> Path | None:
    path = Path(os.environ.get("GGZY_OCDS_STANDARD_ZIP") or folder() / f"standard-{TAG}.zip")
    return path if path.is_file() else None


def assembled_zip(*, fetch: bool = True) -> Path | None:
    path = folder() / f"assembled-{TAG}.zip"
    if path.is_file():
        return path
    if not fetch:
        return None
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for requirement, wanted in SDISTS.items():
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    "-d",
                    tmp,
                    requirement,
                ],
                capture_output=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0:
                return None
            name = requirement.split("==")[0]
            archive = next(Path(tmp).glob(f"{name}-*.tar.gz"), None)
            if archive is None:
                return None
            with tarfile.open(archive) as tar:
                for member, target in wanted.items():
                    handle = tar.extractfile(member)
                    if handle is None:
                        return None
                    files[target] = handle.read()
    for name, codes in codelists(json.loads(files["release-schema.json"])).items():
        rows = ["Code,Title,Description", *[f"{code},{code}," for code in sorted(codes)]]
        files[f"codelists/{name}"] = ("\n".join(rows) + "\n").encode()
    files["versioned-release-validation-schema.json"] = json.dumps(
        {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"standard-{TAG}/", b"")
        for target, data in sorted(files.items()):
            zf.writestr(f"standard-{TAG}/schema/{target}", data)
    folder().mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def codelists(schema: object) -> dict[str, set[str]]:
    """The codelists the schema names, with the codes its enums allow (closed codelists; open ones stay
    empty, so unknown open codes are reported as information, as with the real CSV files)."""
    found: dict[str, set[str]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            name = node.get("codelist")
            if isinstance(name, str):
                codes = found.setdefault(name, set())
                enum = node.get("enum") or (node.get("items") or {}).get("enum") or []
                codes.update(str(code) for code in enum if code is not None)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def standard() -> tuple[bytes, bool] | None:
    """(ZIP bytes, whether it is the complete standard), or None when neither can be had."""
    path = real_zip()
    if path is not None:
        return path.read_bytes(), True
    path = assembled_zip()
    if path is not None:
        return path.read_bytes(), False
    return None


if __name__ == "__main__":  # pragma: no cover - used by the Makefile
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
    django.setup()
    found = real_zip() or assembled_zip()
    print(found or "OCDS schema could not be prepared (no PyPI access?)")
