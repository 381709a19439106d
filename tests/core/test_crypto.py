"""密评 (GB/T 39786-2021): suites, key versions, sealed files, rotation and the key check at start (PI1)."""

from __future__ import annotations

import base64
import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command

from jiuzhu.core import crypto
from jiuzhu.core.crypto import columns, keyrecords
from jiuzhu.core.crypto.sealed import sealed_storage
from jiuzhu.core.models import KeyRecord
from jiuzhu.keyconfig import KeySet
from jiuzhu.registry.models import Member
from tests.helpers import make_household, member, new_id, user

ROOT = Path(__file__).resolve().parents[2]
NUMBER = new_id()


def _key() -> bytes:
    return os.urandom(32)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def sm4_current(settings):
    """The suite switched to SM4 under a new key set 2; the test run's key set 1 (AES) stays as an old one."""
    old = settings.KEYS
    settings.KEYS = dataclasses.replace(old, current=KeySet(2, "sm4", _key(), _key()), old={1: old.current})
    return old


def test_sm4_suite_round_trip_and_key_version_in_the_ciphertext(settings, sm4_current):
    token = crypto.encrypt(NUMBER, purpose="id_number")
    assert token.startswith("sm4.2:") and NUMBER not in token
    assert crypto.decrypt(token, purpose="id_number") == NUMBER
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, purpose="bank_account")  # the purpose is authenticated
    index = crypto.blind_index(NUMBER, purpose="id_number")
    assert len(index) == 64 and index == crypto.blind_index(NUMBER.lower(), purpose="id_number")
    settings.KEYS = sm4_current
    assert crypto.blind_index(NUMBER, purpose="id_number") != index  # HMAC-SHA-256 under another key


def test_sm4_and_aes_values_open_side_by_side(settings):
    aes = settings.KEYS
    aes_token = crypto.encrypt(NUMBER, purpose="id_number")
    aes_index = crypto.blind_index(NUMBER, purpose="id_number")
    settings.KEYS = dataclasses.replace(aes, current=KeySet(2, "sm4", _key(), _key()), old={1: aes.current})
    sm4_token = crypto.encrypt(NUMBER, purpose="id_number")
    assert sm4_token.startswith("sm4.2:") and aes_token.startswith("aes.1:")
    assert crypto.decrypt(aes_token, purpose="id_number") == crypto.decrypt(sm4_token, purpose="id_number")
    indexes = crypto.blind_indexes(NUMBER, purpose="id_number")
    assert len(indexes) == 2 and indexes[1] == aes_index and indexes[0] != aes_index
    settings.KEYS = dataclasses.replace(settings.KEYS, old={})  # the old key set removed too early
    with pytest.raises(crypto.KeyUnavailable):
        crypto.decrypt(aes_token, purpose="id_number")


@pytest.mark.parametrize("suite", ["aes", "sm4"])
def test_bulk_blind_indexes_equal_the_single_value_ones_under_every_key_set(settings, suite):
    """One prepared key per key set (HMAC-SHA-256 for aes, HMAC-SM3 for sm4) gives exactly the indexes of
    `blind_indexes`, value by value, the current key set first and an old one (of the other suite) after."""
    old = settings.KEYS
    other = "sm4" if suite == "aes" else "aes"
    settings.KEYS = dataclasses.replace(
        old,
        current=KeySet(3, suite, _key(), _key()),
        old={1: old.current, 2: KeySet(2, other, _key(), _key())},
    )
    values = [NUMBER, NUMBER.lower(), f" {NUMBER[:6]} {NUMBER[6:]} ", new_id(), new_id(), ""]
    per_key_set = crypto.blind_indexes_many(values, purpose="id_number")
    assert len(per_key_set) == 3 and all(len(indexes) == len(values) for indexes in per_key_set)
    for i, value in enumerate(values):
        assert [indexes[i] for indexes in per_key_set] == crypto.blind_indexes(value, purpose="id_number")
    assert per_key_set[0][0] == crypto.blind_index(NUMBER, purpose="id_number")
    assert per_key_set[1][0] == crypto.index_under(f"{other}.2", NUMBER, purpose="id_number")
    assert per_key_set[2][0] == crypto.index_under("aes.1", NUMBER, purpose="id_number")
    # Already normalised values are taken as they are (the import normalises each number once).
    assert crypto.blind_indexes_many([NUMBER], purpose="id_number", normalised=True) == [
        [indexes[0]] for indexes in per_key_set
    ]
    assert crypto.blind_indexes_many([], purpose="id_number") == [[], [], []]


def test_values_from_before_key_versions_still_open(settings):
    nonce = os.urandom(12)
    sealed = AESGCM(settings.KEYS.current.field_key).encrypt(nonce, NUMBER.encode(), b"id_number")
    legacy = "v1:" + base64.b64encode(nonce + sealed).decode()
    assert crypto.ref_of(legacy) == "aes.1"
    assert crypto.decrypt(legacy, purpose="id_number") == NUMBER


@pytest.mark.parametrize("suite", ["aes", "sm4"])
def test_sealed_files_round_trip_and_refuse_changes(settings, monkeypatch, suite):
    settings.KEYS = dataclasses.replace(settings.KEYS, current=KeySet(3, suite, _key(), _key()))
    monkeypatch.setattr(crypto, "CHUNK", 1000)  # several chunks
    plain = os.urandom(4500) + NUMBER.encode()
    out = io.BytesIO()
    crypto.seal_stream(io.BytesIO(plain), out, purpose="personal_file")
    sealed = out.getvalue()
    assert NUMBER.encode() not in sealed and sealed.startswith(crypto.FILE_MAGIC)
    assert crypto.sealed_ref(io.BytesIO(sealed)) == f"{suite}.3"
    back = io.BytesIO()
    crypto.open_stream(io.BytesIO(sealed), back, purpose="personal_file")
    assert back.getvalue() == plain
    changed = bytearray(sealed)
    changed[len(sealed) // 2] ^= 1
    with pytest.raises(InvalidTag):
        crypto.open_stream(io.BytesIO(bytes(changed)), io.BytesIO(), purpose="personal_file")
    cut = sealed[: len(sealed) - 1016]  # the last chunk dropped: the one before it is not marked last
    with pytest.raises((InvalidTag, ValueError)):
        crypto.open_stream(io.BytesIO(cut), io.BytesIO(), purpose="personal_file")


def test_sealed_storage_keeps_no_plaintext(settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = sealed_storage().save("jobs/test/upload.csv", ContentFile(f"身份证号\n{NUMBER}\n".encode()))
    with default_storage.open(name, "rb") as raw:
        assert NUMBER.encode() not in raw.read()
    with sealed_storage().open(name) as fh:
        assert NUMBER in fh.read().decode()
    sealed_storage().delete(name)


def test_every_encrypted_column_is_known():
    """A new `*_cipher` column must be listed, or rotation and the key check would miss it."""
    from django.apps import apps

    found = {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if getattr(f, "name", "").endswith("_cipher") and m._meta.app_label != "core"
    }
    assert found == {f"{c.model}.{c.cipher}" for c in columns.COLUMNS}
    from jiuzhu.benefits.services import ACCOUNT_PURPOSE
    from jiuzhu.events.webhooks import SECRET_PURPOSE
    from jiuzhu.orgs.mfa import SECRET_PURPOSE as TOTP_PURPOSE
    from jiuzhu.registry.identity import ID_PURPOSE

    purposes = {c.model: c.purpose for c in columns.COLUMNS}
    assert purposes["registry.Member"] == purposes["registry.NearRelative"] == ID_PURPOSE
    assert purposes["benefits.Enrolment"] == purposes["payments.LedgerEntry"] == ACCOUNT_PURPOSE
    assert purposes["events.WebhookSubscription"] == SECRET_PURPOSE
    assert purposes["orgs.SecondFactor"] == TOTP_PURPOSE


@pytest.mark.django_db
def test_rotation_to_sm4_re_encrypts_re_indexes_and_retires_the_old_key(settings, capsys):
    household = make_household(members=[member("周建国", id_number=NUMBER)])
    old = settings.KEYS
    assert keyrecords.problems() == [] and KeyRecord.objects.filter(kind="data", ref="aes.1").exists()
    settings.KEYS = dataclasses.replace(old, current=KeySet(2, "sm4", _key(), _key()), old={1: old.current})
    assert keyrecords.problems() == []  # the old key set is configured: the server may start
    from jiuzhu.registry.selectors import households_visible_to

    def found() -> bool:
        qs = households_visible_to(user("ab_caseworker"))
        return qs.filter(members__id_index__in=crypto.blind_indexes(NUMBER, purpose="id_number")).exists()

    assert found()  # before rotation: through the old index
    call_command("crypto_rotate", batch=7)
    out = capsys.readouterr().out
    assert "registry.Member.id_cipher" in out and "(100%)" in out.replace("（", "(").replace("）", ")")
    assert not Member.objects.exclude(id_cipher__startswith="sm4.2:").exists()
    stored = Member.objects.get(household=household)
    assert crypto.decrypt(stored.id_cipher, purpose="id_number") == NUMBER
    assert stored.id_index == crypto.blind_index(NUMBER, purpose="id_number")
    assert KeyRecord.objects.get(kind="data", ref="aes.1").retired_at is not None
    settings.KEYS = dataclasses.replace(settings.KEYS, old={})  # the old key may now be dropped
    assert keyrecords.problems() == [] and found()
    call_command("crypto_status")
    status = capsys.readouterr().out
    assert "SM4-GCM + HMAC-SM3" in status and "全部数据使用当前密钥版本" in status


@pytest.mark.django_db
def test_a_changed_key_is_a_problem_before_anything_is_served(settings):
    make_household()
    settings.KEYS = dataclasses.replace(settings.KEYS, current=KeySet(1, "aes", _key(), _key()))
    found = keyrecords.problems()
    assert found and "指纹" in found[0] and "不符" in found[0]
    settings.KEYS = dataclasses.replace(settings.KEYS, current=KeySet(2, "aes", _key(), _key()))
    assert "没有该版本的密钥" in keyrecords.problems()[0]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("crypto_rotate")  # refuses before writing anything


def _env(tmp: Path, keys: dict[str, str]) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIUZHU_", "DATABASE_URL", "SECRET_KEY", "DEBUG", "FIELD_", "BLIND_", "AUDIT_"))
    }
    base.update(
        {
            "DEBUG": "true",
            "JIUZHU_VAR_DIR": str(tmp),
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "jiuzhu.settings",
            **keys,
        }
    )
    return base


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_wrong_key_is_refused_at_start_and_an_empty_database_still_migrates(tmp_path):
    right = {
        "FIELD_ENCRYPTION_KEY": _b64(_key()),
        "BLIND_INDEX_KEY": _b64(_key()),
        "AUDIT_MAC_KEY": _b64(_key()),
    }
    wrong = {**right, "FIELD_ENCRYPTION_KEY": _b64(_key())}
    assert _run(["manage.py", "check"], _env(tmp_path, wrong)).returncode == 0  # nothing to compare yet
    migrated = _run(["manage.py", "migrate", "-v0"], _env(tmp_path, right))
    assert migrated.returncode == 0, migrated.stderr
    assert _run(["manage.py", "check"], _env(tmp_path, right)).returncode == 0
    refused = _run(["manage.py", "check"], _env(tmp_path, wrong))
    assert (
        refused.returncode != 0 and "与数据中记载的" in refused.stderr and "crypto_status" in refused.stderr
    )
    served = _run(["-c", "import jiuzhu.wsgi"], _env(tmp_path, wrong))
    assert served.returncode != 0 and "拒绝启动" in served.stderr
    assert _run(["-c", "import jiuzhu.wsgi"], _env(tmp_path, right)).returncode == 0
    audit_changed = _run(["manage.py", "check"], _env(tmp_path, {**right, "AUDIT_MAC_KEY": _b64(_key())}))
    assert audit_changed.returncode != 0 and "审计密钥" in audit_changed.stderr
    status = _run(["manage.py", "crypto_status"], _env(tmp_path, wrong))
    assert status.returncode != 0 and "指纹" in status.stdout  # the diagnosis still runs
