"""The software implementation of `Provider`: keys from the environment, primitives from `cryptography`.

Suites (JIUZHU_CRYPTO_SUITE):
- "aes": AES-256-GCM, HMAC-SHA-256 (the field key is used as it is, so values written before key versions
  existed still open);
- "sm4": SM4-GCM (GB/T 32907, 128-bit key derived from the field key with HMAC-SM3), HMAC-SM3 (GB/T 32905).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jiuzhu.core.crypto.provider import KeyUnavailable

TAG = 16
HASH_OF_SUITE = {"aes": "sha256", "sm4": "sm3"}


def keyed_hash(algorithm: str, key: bytes, data: bytes) -> bytes:
    if algorithm == "sha256":
        return hmac.new(key, data, hashlib.sha256).digest()
    if algorithm == "sm3":
        mac = chmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()
    raise KeyUnavailable(f"unknown MAC algorithm {algorithm!r}")


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def prepared_hash(algorithm: str, key: bytes) -> Callable[[bytes], str]:
    """The keyed hash (hex) of one value at a time under a key prepared once: the key is absorbed for the
    first value only and every other value starts from a copy of that state (bulk lookups of 10⁶ numbers).
    Equal to `keyed_hash(algorithm, key, value).hex()`."""
    if algorithm == "sha256":
        # HMAC (RFC 2104) from its two keyed SHA-256 states, copied per value in C.
        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        inner, outer = hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))

        def sha256_hex(data: bytes) -> str:
            digest = inner.copy()
            digest.update(data)
            mac = outer.copy()
            mac.update(digest.digest())
            return mac.hexdigest()

        return sha256_hex
    if algorithm == "sm3":
        sm3 = chmac.HMAC(key, hashes.SM3())

        def sm3_hex(data: bytes) -> str:
            mac = sm3.copy()
            mac.update(data)
            return mac.finalize().hex()

        return sm3_hex
    raise KeyUnavailable(f"unknown MAC algorithm {algorithm!r}")


def split_ref(ref: str) -> tuple[str, int]:
    name, _, version = ref.partition(".")
    if not version.isdigit():
        raise KeyUnavailable(f"malformed key reference {ref!r}")
    return name, int(version)


class KeySet(Protocol):
    """One key set as `jiuzhu.keyconfig` reads it from the environment (which core may not import: the
    settings module, above every app, loads the keys)."""

    @property
    def version(self) -> int: ...
    @property
    def suite(self) -> str: ...
    @property
    def field_key(self) -> bytes: ...
    @property
    def index_key(self) -> bytes: ...


class Keys(Protocol):
    """Every configured key set and audit key (`jiuzhu.keyconfig.Keys`)."""

    @property
    def current(self) -> KeySet: ...
    @property
    def old(self) -> Mapping[int, KeySet]: ...
    @property
    def keysets(self) -> Mapping[int, KeySet]: ...
    @property
    def audit_version(self) -> int: ...
    @property
    def audit_keys(self) -> Mapping[int, bytes]: ...


class LocalProvider:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self._derived: dict[tuple[str, str], bytes] = {}

    # --- data key sets ---------------------------------------------------------------------------------

    def _keyset(self, ref: str) -> KeySet:
        suite, version = split_ref(ref)
        keyset = self.keys.keysets.get(version)
        if keyset is None or keyset.suite != suite:
            raise KeyUnavailable(f"key set {ref} is not configured (JIUZHU_KEY_VERSION / JIUZHU_OLD_KEYS)")
        return keyset

    def current_ref(self) -> str:
        return f"{self.keys.current.suite}.{self.keys.current.version}"

    def refs(self) -> list[str]:
        rest = sorted(self.keys.old.values(), key=lambda k: -k.version)
        return [self.current_ref(), *(f"{k.suite}.{k.version}" for k in rest)]

    def _key(self, ref: str, usage: str) -> bytes:
        cached = self._derived.get((ref, usage))
        if cached is not None:
            return cached
        keyset = self._keyset(ref)
        hash_name = HASH_OF_SUITE[keyset.suite]
        if keyset.suite == "aes" and usage == "field":
            key = keyset.field_key
        else:
            key = keyed_hash(hash_name, keyset.field_key, f"jiuzhu {keyset.suite} {usage} key".encode())
            key = key[:16] if keyset.suite == "sm4" else key
        self._derived[(ref, usage)] = key
        return key

    def aead_encrypt(self, ref: str, usage: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        key = self._key(ref, usage)
        if ref.startswith("aes."):
            return AESGCM(key).encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def aead_decrypt(self, ref: str, usage: str, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        key = self._key(ref, usage)
        if ref.startswith("aes."):
            return AESGCM(key).decrypt(nonce, sealed, aad)
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-TAG:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(sealed[:-TAG]) + decryptor.finalize()

    def index(self, ref: str, data: bytes) -> str:
        keyset = self._keyset(ref)
        return keyed_hash(HASH_OF_SUITE[keyset.suite], keyset.index_key, data).hex()

    def index_many(self, ref: str, data: Iterable[bytes]) -> list[str]:
        keyset = self._keyset(ref)
        return list(map(prepared_hash(HASH_OF_SUITE[keyset.suite], keyset.index_key), data))

    def fingerprint(self, ref: str) -> str:
        keyset = self._keyset(ref)
        hash_name = HASH_OF_SUITE[keyset.suite]
        parts = (
            keyset.suite.encode()
            + keyed_hash(hash_name, keyset.field_key, b"jiuzhu key fingerprint")
            + keyed_hash(hash_name, keyset.index_key, b"jiuzhu key fingerprint")
        )
        return keyed_hash(hash_name, b"jiuzhu", parts).hex()[:16]

    # --- audit key -------------------------------------------------------------------------------------

    def audit_ref(self) -> str:
        return f"{HASH_OF_SUITE[self.keys.current.suite]}.{self.keys.audit_version}"

    def audit_refs(self) -> list[str]:
        algorithm = HASH_OF_SUITE[self.keys.current.suite]
        return [f"{algorithm}.{v}" for v in sorted(self.keys.audit_keys, reverse=True)]

    def audit_mac(self, ref: str, data: bytes) -> str:
        algorithm, version = split_ref(ref)
        key = self.keys.audit_keys.get(version)
        if key is None:
            raise KeyUnavailable(
                f"audit key version {version} is not configured (AUDIT_MAC_KEY / JIUZHU_OLD_AUDIT_KEYS)"
            )
        return keyed_hash(algorithm, key, data).hex()

    def audit_fingerprint(self, version: int) -> str:
        key = self.keys.audit_keys.get(version)
        if key is None:
            raise KeyUnavailable(f"audit key version {version} is not configured")
        return keyed_hash("sha256", key, b"jiuzhu audit key fingerprint").hex()[:16]
