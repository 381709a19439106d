"""Field encryption for ID and bank account numbers: AES-GCM at rest, HMAC blind index for lookups.

Ciphertext format: "v1:" + base64(nonce(12) + ciphertext+tag). The blind index is HMAC-SHA256 of the
normalised value under a separate key, so equal numbers can be found and de-duplicated without
decrypting, and a stolen index reveals nothing without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


def _aes() -> AESGCM:
    return AESGCM(settings.FIELD_ENCRYPTION_KEY)


def normalise(value: str) -> str:
    return "".join(value.split()).upper()


def encrypt(value: str, *, purpose: str) -> str:
    nonce = os.urandom(12)
    sealed = _aes().encrypt(nonce, normalise(value).encode(), purpose.encode())
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, *, purpose: str) -> str:
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(token[len(_PREFIX) :])
    return _aes().decrypt(raw[:12], raw[12:], purpose.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    digest = hmac.new(settings.BLIND_INDEX_KEY, f"{purpose}:{normalise(value)}".encode(), hashlib.sha256)
    return digest.hexdigest()
