"""The one small interface behind every cryptographic operation of the product (密评: the cryptographic module).

`Provider` holds the keys and runs the primitives; everything else (ciphertext format, nonces, file chunks,
which key version a value carries) lives in `jiuzhu.core.crypto`. A certified cryptographic module (a 密码机
or a KMS) replaces `LocalProvider` by implementing these few methods with its keys inside the device, and is
named in `JIUZHU_CRYPTO_PROVIDER`.

A key reference ("ref") is "SUITE.VERSION", e.g. "sm4.2": the algorithm suite and the key set version that a
ciphertext or index was made with.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


class KeyUnavailable(Exception):
    """A ciphertext names a key set that is not configured (see `manage.py crypto_status`)."""


class Provider(Protocol):
    def current_ref(self) -> str:
        """The key set new values are written with."""

    def refs(self) -> list[str]:
        """Every configured key set, the current one first."""

    def aead_encrypt(self, ref: str, usage: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Authenticated encryption (GCM) under the key set's key for `usage` ("field" or "file");
        returns ciphertext followed by the 16-byte tag."""

    def aead_decrypt(self, ref: str, usage: str, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """The inverse; raises on a wrong key, a changed byte or wrong associated data."""

    def index(self, ref: str, data: bytes) -> str:
        """The blind index (keyed hash, hex) of `data` under the key set's index key."""

    def index_many(self, ref: str, data: Iterable[bytes]) -> list[str]:
        """`index` of each value, in order: the key prepared once for a whole file of values (a device
        would take them as one request)."""

    def fingerprint(self, ref: str) -> str:
        """A short public value identifying the key set (stored with the data, printed by crypto_status)."""

    def audit_ref(self) -> str:
        """The MAC algorithm and audit key version new audit events are chained with, e.g. "sm3.1"."""

    def audit_refs(self) -> list[str]:
        """Every configured audit key (its version and the algorithm of the current suite)."""

    def audit_mac(self, ref: str, data: bytes) -> str:
        """The keyed MAC (hex) of `data` under the audit key named by `ref` ("sha256.V" or "sm3.V")."""

    def audit_fingerprint(self, version: int) -> str:
        """A short public value identifying one audit key version."""


@cache
def provider() -> Provider:
    factory = import_string(settings.JIUZHU_CRYPTO_PROVIDER)
    return factory(settings.KEYS)


def _reset(*, setting: str, **kwargs) -> None:
    if setting in ("KEYS", "JIUZHU_CRYPTO_PROVIDER"):
        provider.cache_clear()


setting_changed.connect(_reset)
