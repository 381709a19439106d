"""A storage that encrypts files at rest (bank files with full account numbers, import uploads with full ID
numbers, the workbooks of their bad rows): `sealed_storage()` wraps the configured default storage (the local
file system or S3) and seals every file written through it with the current key set; reading opens it.

An opened file is plaintext in memory (or, past `SPOOL_BYTES`, in an anonymous temporary file that the
operating system removes when it is closed): no plaintext copy is ever left in storage.
"""

from __future__ import annotations

import tempfile
from functools import cache
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils.deconstruct import deconstructible

from jiuzhu.core.crypto import FILE_MAGIC, current_ref, open_stream, seal_stream, sealed_ref

PURPOSE = "personal_file"
SPOOL_BYTES = 16 * 1024 * 1024


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def _copy(src: IO[bytes], dst: IO[bytes]) -> None:
    for chunk in iter(lambda: src.read(1024 * 1024), b""):
        dst.write(chunk)


@deconstructible(path="jiuzhu.core.crypto.sealed.SealedStorage")
class SealedStorage(Storage):
    """Delegates to the default storage; what goes in is sealed, what comes out is opened."""

    @property
    def inner(self) -> Storage:
        return default_storage

    def _save(self, name: str, content) -> str:
        sealed = _spool()
        if hasattr(content, "seek"):
            content.seek(0)
        seal_stream(content, sealed, purpose=PURPOSE)
        sealed.seek(0)
        return self.inner.save(name, File(sealed, name=name))

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode:
            raise ValueError("sealed files are written with save(), not opened for writing")
        with self.inner.open(name, "rb") as raw:
            sealed = raw.read(len(FILE_MAGIC)) == FILE_MAGIC
        plain = _spool()
        with self.inner.open(name, "rb") as raw:
            if sealed:
                open_stream(raw, plain, purpose=PURPOSE)
            else:  # stored before files were sealed: `crypto_rotate` seals it
                _copy(raw, plain)
        plain.seek(0)
        return File(plain, name=name)

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def listdir(self, path: str):
        return self.inner.listdir(path)

    def size(self, name: str) -> int:
        return self.inner.size(name)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("sealed files are served by views that check scope and log the download")

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.inner.get_available_name(name, max_length=max_length)

    def get_modified_time(self, name: str):
        return self.inner.get_modified_time(name)


@cache
def sealed_storage() -> SealedStorage:
    return SealedStorage()


def sealed_names(directory: str) -> list[str]:
    """Every file below `directory` of the sealed storage."""
    storage = sealed_storage()
    if not storage.exists(directory):
        return []
    found: list[str] = []
    folders, files = storage.listdir(directory)
    found.extend(f"{directory}/{f}" for f in files)
    for folder in folders:
        found.extend(sealed_names(f"{directory}/{folder}"))
    return found


def reseal_if_needed(name: str) -> bool:
    """Re-seal one file under the current key set; a file not written with it (or not sealed at all, from
    before sealing) is rewritten in place. Returns whether it was."""
    inner = sealed_storage().inner
    with inner.open(name, "rb") as raw:
        ref = sealed_ref(raw)
    if ref == current_ref():
        return False
    plain = _spool()
    with inner.open(name, "rb") as raw:
        if ref:
            open_stream(raw, plain, purpose=PURPOSE)
        else:
            _copy(raw, plain)
    plain.seek(0)
    sealed = _spool()
    seal_stream(plain, sealed, purpose=PURPOSE)
    sealed.seek(0)
    inner.delete(name)
    saved = inner.save(name, File(sealed, name=name))
    if saved != name:  # pragma: no cover - only if another writer took the name in between
        raise RuntimeError(f"re-sealed {name} was stored as {saved}")
    return True
