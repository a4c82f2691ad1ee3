"""Where envelope bytes live: partial uploads on local disk (random-access writes), finished envelopes in
the configured file storage. Writes are fsynced so that a receipt never points at bytes a crash could lose."""

import os
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage


def part_path(public_id: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{public_id}.part"


def fsync_folder(folder: Path) -> None:
    """Make a new directory entry durable (the file's own fsync does not cover its name)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def create_part(public_id: str) -> None:
    path = part_path(public_id)
    with open(path, "xb") as part:
        os.fsync(part.fileno())
    fsync_folder(path.parent)


def write_part(public_id: str, offset: int, data: bytes) -> None:
    with open(part_path(public_id), "r+b") as out:
        out.seek(offset)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def store_envelope(public_id: str, name: str) -> str:
    """Put the finished upload into file storage durably and return its storage name.

    On a local file store the bytes are not copied: a hard link gives the part file its permanent name
    (the part's own name goes after commit, so a rolled-back completion can be retried). Elsewhere
    (object storage, another device) the bytes are copied.
    """
    part = part_path(public_id)
    available = default_storage.get_available_name(name)
    try:
        target = Path(default_storage.path(available))
    except NotImplementedError:  # object storage: its own durability
        with open(part, "rb") as source:
            stored: str = default_storage.save(name, File(source))
        return stored
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(part, target)
    except OSError:  # another device: copy, then make the copy durable
        with open(part, "rb") as source:
            available = default_storage.save(name, File(source))
        target = Path(default_storage.path(available))
        with open(target, "rb") as saved:
            os.fsync(saved.fileno())
    fsync_folder(target.parent)
    return available


def discard_part(public_id: str) -> None:
    part_path(public_id).unlink(missing_ok=True)
