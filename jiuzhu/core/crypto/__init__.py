"""Field and file encryption, blind indexes, under the configured suite and key version (密评, PI1).

Ciphertext of a field: "SUITE.VERSION:" + base64(nonce(12) + ciphertext + tag), e.g. "sm4.2:…"; the purpose
(what the value is: "id_number", "bank_account" …) is the associated data, so a value cannot be moved to
another column. Values written before key versions existed start with "v1:" and are AES under key set 1.

The blind index is the keyed hash of the normalised value under the key set's index key, so equal numbers
can be found and de-duplicated without decrypting. While `crypto_rotate` runs, a lookup uses
`blind_indexes()`: the value under every configured key set (`blind_indexes_many()` for a whole file of values).

Files (bank files, import uploads): see `seal_stream` — chunked GCM under a key derived for files.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Sequence
from typing import IO

from jiuzhu.core.crypto.provider import KeyUnavailable, provider

__all__ = [
    "KeyUnavailable",
    "blind_index",
    "blind_indexes",
    "blind_indexes_many",
    "current_ref",
    "decrypt",
    "encrypt",
    "normalise",
    "open_stream",
    "ref_of",
    "seal_stream",
    "sealed_ref",
]

LEGACY_PREFIX = "v1:"
LEGACY_REF = "aes.1"


def normalise(value: str) -> str:
    return "".join(value.split()).upper()


def current_ref() -> str:
    return provider().current_ref()


def encrypt(value: str, *, purpose: str) -> str:
    ref = provider().current_ref()
    nonce = os.urandom(12)
    sealed = provider().aead_encrypt(ref, "field", nonce, normalise(value).encode(), purpose.encode())
    return f"{ref}:" + base64.b64encode(nonce + sealed).decode()


def ref_of(token: str) -> str:
    """The key reference a ciphertext was written with ("" for an empty value)."""
    if not token:
        return ""
    if token.startswith(LEGACY_PREFIX):
        return LEGACY_REF
    ref, sep, _ = token.partition(":")
    if not sep or "." not in ref:
        raise KeyUnavailable("unknown ciphertext format")
    return ref


def decrypt(token: str, *, purpose: str) -> str:
    if not token:
        return ""
    ref = ref_of(token)
    raw = base64.b64decode(token.split(":", 1)[1])
    return provider().aead_decrypt(ref, "field", raw[:12], raw[12:], purpose.encode()).decode()


def _index_input(value: str, purpose: str) -> bytes:
    return f"{purpose}:{normalise(value)}".encode()


def blind_index(value: str, *, purpose: str) -> str:
    p = provider()
    return p.index(p.current_ref(), _index_input(value, purpose))


def blind_indexes(value: str, *, purpose: str) -> list[str]:
    """The index under every configured key set (current first): a lookup finds rows not re-indexed yet."""
    p = provider()
    data = _index_input(value, purpose)
    return list(dict.fromkeys(p.index(ref, data) for ref in p.refs()))


def blind_indexes_many(values: Sequence[str], *, purpose: str, normalised: bool = False) -> list[list[str]]:
    """`blind_indexes` of many values at once, one prepared key per key set: for each configured key set
    (current first), the index of every value in order. `normalised`: the caller has already normalised
    them (an ID number checked by `idnumber`), so they are not normalised a second time."""
    p = provider()
    prefix = f"{purpose}:"
    data = [(prefix + (v if normalised else normalise(v))).encode() for v in values]
    return [p.index_many(ref, data) for ref in p.refs()]


def index_under(ref: str, value: str, *, purpose: str) -> str:
    return provider().index(ref, _index_input(value, purpose))


# --- files -------------------------------------------------------------------------------------------------

FILE_MAGIC = b"JZSEAL1\n"
CHUNK = 1024 * 1024
_LEN = struct.Struct(">I")


def _chunk_nonce(prefix: bytes, number: int) -> bytes:
    return prefix + number.to_bytes(4, "big")


def _chunk_aad(purpose: str, number: int, last: bool) -> bytes:
    # The chunk's place and whether it is the last one are authenticated: chunks cannot be reordered,
    # and a file cut short does not open.
    return f"{purpose}|{number}|{int(last)}".encode()


def seal_stream(src: IO[bytes], dst: IO[bytes], *, purpose: str) -> None:
    """Encrypt `src` into `dst`: header (magic, key reference, nonce prefix), then length-prefixed chunks."""
    p = provider()
    ref = p.current_ref()
    prefix = os.urandom(8)
    head = ref.encode()
    dst.write(FILE_MAGIC + bytes([len(head)]) + head + prefix)
    number = 0
    chunk = src.read(CHUNK)
    while True:
        following = src.read(CHUNK)
        last = not following
        sealed = p.aead_encrypt(
            ref, "file", _chunk_nonce(prefix, number), chunk, _chunk_aad(purpose, number, last)
        )
        dst.write(_LEN.pack(len(sealed)) + sealed)
        if last:
            return
        chunk, number = following, number + 1


def _read_exact(src: IO[bytes], size: int) -> bytes:
    data = src.read(size)
    if len(data) != size:
        raise ValueError("sealed file is truncated")
    return data


def sealed_ref(src: IO[bytes]) -> str:
    """The key reference of a sealed file (reads only its header); "" when it is not sealed."""
    magic = src.read(len(FILE_MAGIC))
    if magic != FILE_MAGIC:
        return ""
    size = _read_exact(src, 1)[0]
    return _read_exact(src, size).decode()


def open_stream(src: IO[bytes], dst: IO[bytes], *, purpose: str) -> None:
    """Decrypt a sealed file into `dst`; raises on a wrong key, a changed byte or a truncated file."""
    ref = sealed_ref(src)
    if not ref:
        raise ValueError("not a sealed file")
    p = provider()
    prefix = _read_exact(src, 8)
    number = 0
    head = src.read(_LEN.size)
    while True:
        if len(head) != _LEN.size:
            raise ValueError("sealed file is truncated")
        sealed = _read_exact(src, _LEN.unpack(head)[0])
        head = src.read(_LEN.size)  # read ahead: only the last chunk has nothing after it
        last = not head
        dst.write(
            p.aead_decrypt(
                ref, "file", _chunk_nonce(prefix, number), sealed, _chunk_aad(purpose, number, last)
            )
        )
        if last:
            return
        number += 1
