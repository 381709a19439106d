"""The keys of the field encryption, the blind index and the audit MAC, read from the environment at start.

No Django imports: the settings module calls `load_keys()` once. A key set ("keyset") is one version of
(suite, field key, index key); ciphertexts carry the suite and version they were written with, so old key
sets stay configured (`JIUZHU_OLD_KEYS`) until `manage.py crypto_rotate` has moved every value to the
current one. The audit MAC key has versions of its own (`JIUZHU_OLD_AUDIT_KEYS`).

Where keys come from:
- production (DEBUG off, not a test run): the environment, required;
- DEBUG: the environment, else a file of random keys generated once into the var directory
  (`dev-keys.json`, mode 0600). The one exception is the shipped demo database (decision D-222): installing
  it writes the published DEMO_KEYS (core.demo_keys) into that file, because its fields were encrypted and
  its audit chain MAC-ed with them. Production refuses those keys;
- a test run: random keys per run, handed to child processes through `JIUZHU_TEST_KEYS`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from jiuzhu.core.demo_keys import DEMO_KEYS, DEV_KEY_FILE, install_demo_keys
from jiuzhu.envconfig import Env

__all__ = ["DEMO_KEYS", "DEV_KEY_FILE", "install_demo_keys", "load_keys"]

SUITES = ("aes", "sm4")  # AES-256-GCM + HMAC-SHA-256; SM4-GCM + HMAC-SM3 (GB/T 32907, GB/T 32905)
_NAMES = ("field", "index", "audit")


@dataclass(frozen=True)
class KeySet:
    version: int
    suite: str
    field_key: bytes
    index_key: bytes


@dataclass(frozen=True)
class Keys:
    current: KeySet
    old: dict[int, KeySet] = field(default_factory=dict)
    audit_version: int = 1
    audit_keys: dict[int, bytes] = field(default_factory=dict)  # every configured version, current included
    source: str = "environment"  # environment | dev-file | test

    @property
    def keysets(self) -> dict[int, KeySet]:
        return {**self.old, self.current.version: self.current}

    @property
    def audit_key(self) -> bytes:
        return self.audit_keys[self.audit_version]


def _b64_32(name: str, value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes, got {len(key)}")
    return key


def _random_keys() -> dict[str, str]:
    return {name: base64.b64encode(os.urandom(32)).decode() for name in _NAMES}


def _dev_keys(var_dir: Path) -> dict[str, str]:
    """The DEBUG keys: generated once into var/, then read back on every start."""
    path = var_dir / DEV_KEY_FILE
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (the worker of `make run`) wrote it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                json.dump(_random_keys(), fh)
    try:
        data = json.loads(path.read_text())
        return {name: str(data[name]) for name in _NAMES}
    except (OSError, ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{path}: unreadable development key file ({exc}); delete it") from None


def _test_keys() -> dict[str, str]:
    raw = os.environ.get("JIUZHU_TEST_KEYS")
    if raw:
        data = json.loads(raw)
        return {name: str(data[name]) for name in _NAMES}
    keys = _random_keys()
    os.environ["JIUZHU_TEST_KEYS"] = json.dumps(keys)  # child processes of the test run share them
    return keys


def _old_keysets(env: Env) -> dict[int, KeySet]:
    """JIUZHU_OLD_KEYS="VERSION:SUITE:FIELD_KEY:INDEX_KEY,…" — key sets data may still be encrypted with."""
    found: dict[int, KeySet] = {}
    for item in env.list("JIUZHU_OLD_KEYS", []):
        parts = item.split(":")
        if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in SUITES:
            raise ImproperlyConfigured(
                "JIUZHU_OLD_KEYS: each entry is VERSION:SUITE:FIELD_KEY:INDEX_KEY "
                f"(suite {' or '.join(SUITES)}, keys base64), got {item[:12]}…"
            )
        version = int(parts[0])
        found[version] = KeySet(
            version,
            parts[1],
            _b64_32(f"JIUZHU_OLD_KEYS version {version} field key", parts[2]),
            _b64_32(f"JIUZHU_OLD_KEYS version {version} index key", parts[3]),
        )
    return found


def _old_audit_keys(env: Env) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for item in env.list("JIUZHU_OLD_AUDIT_KEYS", []):
        version, _, value = item.partition(":")
        if not version.isdigit() or not value:
            raise ImproperlyConfigured("JIUZHU_OLD_AUDIT_KEYS: each entry is VERSION:KEY (key base64)")
        found[int(version)] = _b64_32(f"JIUZHU_OLD_AUDIT_KEYS version {version}", value)
    return found


def load_keys(env: Env, *, debug: bool, testing: bool, var_dir: Path) -> Keys:
    names = {"field": "FIELD_ENCRYPTION_KEY", "index": "BLIND_INDEX_KEY", "audit": "AUDIT_MAC_KEY"}
    given = {name: env.str(var) for name, var in names.items()}
    source = "environment"
    if not all(given.values()):
        if testing:
            fallback, source = _test_keys(), "test"
        elif debug:
            fallback, source = _dev_keys(var_dir), "dev-file"
        else:
            missing = next(var for name, var in names.items() if not given[name])
            raise ImproperlyConfigured(
                f"{missing} is required when DEBUG is off: 32 random bytes in base64 "
                f"(python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())')"
            )
        given = {name: given[name] or fallback[name] for name in names}
    if not debug and not testing:
        public = next((var for name, var in names.items() if given[name] == DEMO_KEYS[name]), None)
        if public:
            raise ImproperlyConfigured(
                f"{public} is the published demo key (demo database only): a real deployment needs its own "
                "32 random bytes in base64"
            )
    keys = {name: _b64_32(names[name], value) for name, value in given.items()}
    version = env.int("JIUZHU_KEY_VERSION", 1, minimum=1, maximum=9999)
    suite = env.choice("JIUZHU_CRYPTO_SUITE", "aes", SUITES)
    old = _old_keysets(env)
    if version in old:
        raise ImproperlyConfigured(f"JIUZHU_OLD_KEYS names version {version}, which is the current version")
    audit_version = env.int("JIUZHU_AUDIT_KEY_VERSION", 1, minimum=1, maximum=9999)
    audit_keys = _old_audit_keys(env)
    if audit_version in audit_keys:
        raise ImproperlyConfigured(
            f"JIUZHU_OLD_AUDIT_KEYS names version {audit_version}, which is the current version"
        )
    audit_keys[audit_version] = keys["audit"]
    return Keys(
        current=KeySet(version, suite, keys["field"], keys["index"]),
        old=old,
        audit_version=audit_version,
        audit_keys=audit_keys,
        source=source,
    )
