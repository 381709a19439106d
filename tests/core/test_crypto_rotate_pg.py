"""密评 on PostgreSQL: `crypto_rotate` moves 10⁵ members from AES (key set 1) to SM4 (key set 2), is killed in
the middle, and a second run completes it — no row lost, none half-written, every number found again."""

from __future__ import annotations

import base64
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from jiuzhu.core import clock, crypto
from jiuzhu.keyconfig import KeySet
from jiuzhu.registry.models import Household, Member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS, PER_HOUSEHOLD = 1000, 100  # 10⁵ members


def _number(n: int) -> str:
    """A distinct person for every n (one person is active in one household only): a birth day per thousand."""
    from datetime import date, timedelta

    from jiuzhu.core import idnumber

    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    return idnumber.make(f"230502{born:%Y%m%d}{n % 1000:03d}")


def _load(total_households: int, per: int) -> None:
    now = clock.now()
    households = Household.objects.bulk_create(
        [
            Household(
                area_code="230502200201",
                address=f"安邦村{i}号",
                urban_rural="rural",
                created_at=now,
                updated_at=now,
            )
            for i in range(total_households)
        ],
        batch_size=5000,
    )
    members = []
    for h_index, household in enumerate(households):
        for m in range(per):
            number = _number(h_index * per + m)
            members.append(
                Member(
                    household=household,
                    area_code=household.area_code,
                    name=f"成员{h_index}-{m}",
                    id_cipher=crypto.encrypt(number, purpose="id_number"),
                    id_index=crypto.blind_index(number, purpose="id_number"),
                    id_masked=number[:6] + "********" + number[-4:],
                    birth_date="1980-01-01",
                    sex="M",
                    relation="head" if m == 0 else "other",
                    created_at=now,
                    updated_at=now,
                )
            )
    Member.objects.bulk_create(members, batch_size=5000)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _env(tmp: Path, old, new: KeySet) -> dict[str, str]:
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIUZHU_", "DATABASE_URL", "DEBUG", "FIELD_", "BLIND_", "AUDIT_"))
    }
    return {
        **base,
        "DEBUG": "true",
        "JIUZHU_VAR_DIR": str(tmp),
        "DATABASE_URL": url,
        "FIELD_ENCRYPTION_KEY": _b64(new.field_key),
        "BLIND_INDEX_KEY": _b64(new.index_key),
        "AUDIT_MAC_KEY": _b64(old.audit_key),
        "JIUZHU_KEY_VERSION": str(new.version),
        "JIUZHU_CRYPTO_SUITE": new.suite,
        "JIUZHU_OLD_KEYS": f"1:aes:{_b64(old.current.field_key)}:{_b64(old.current.index_key)}",
    }


def test_rotation_of_100000_members_resumes_after_a_kill(settings, tmp_path, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    old = settings.KEYS
    new = KeySet(2, "sm4", os.urandom(32), os.urandom(32))
    started = time.monotonic()
    _load(HOUSEHOLDS, PER_HOUSEHOLD)
    loaded = time.monotonic() - started
    total = Member.objects.count()
    assert total == HOUSEHOLDS * PER_HOUSEHOLD
    env = _env(tmp_path, old, new)
    command = [sys.executable, "manage.py", "crypto_rotate", "--batch", "1000", "-v", "2"]

    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed_at = 0
    for line in first.stdout:
        if line.startswith("registry.Member.id_cipher") and "/" in line:
            done = int(line.split("：")[1].split("/")[0])
            if done >= 20000:
                first.send_signal(signal.SIGKILL)
                killed_at = done
                break
    first.wait(timeout=120)
    assert killed_at, first.stderr.read()
    rotated = Member.objects.filter(id_cipher__startswith="sm4.2:").count()
    assert killed_at <= rotated < total  # what was committed stays; the rest waits

    settings.KEYS = dataclasses.replace(old, current=new, old={1: old.current})
    # No half-written row: a new ciphertext always comes with the new index, an old one with the old index.
    for m in Member.objects.order_by("?")[:300]:
        number = crypto.decrypt(m.id_cipher, purpose="id_number")
        ref = crypto.ref_of(m.id_cipher)
        assert m.id_index == crypto.index_under(ref, number, purpose="id_number")
    # While the rotation is unfinished, a search finds rows under either key set.
    some_old = Member.objects.filter(id_cipher__startswith="aes.1:").first()
    number = crypto.decrypt(some_old.id_cipher, purpose="id_number")
    assert Member.objects.filter(id_index__in=crypto.blind_indexes(number, purpose="id_number")).exists()

    resumed_at = time.monotonic()
    second = subprocess.run(command[:-2], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - resumed_at
    assert second.returncode == 0, second.stderr
    assert "轮换完成" in second.stdout and f"/{total - rotated}" in second.stdout
    assert Member.objects.count() == total
    assert not Member.objects.exclude(id_cipher__startswith="sm4.2:").exists()
    for m in Member.objects.order_by("?")[:300]:
        number = crypto.decrypt(m.id_cipher, purpose="id_number")
        assert m.id_index == crypto.blind_index(number, purpose="id_number")
    settings.KEYS = dataclasses.replace(settings.KEYS, old={})  # the old key set is no longer needed
    sample = Member.objects.order_by("pk").first()
    assert crypto.decrypt(sample.id_cipher, purpose="id_number")
    with capsys.disabled():
        print(
            f"\n[crypto_rotate] {total} members: loaded in {loaded:.1f}s, first run killed at {killed_at}, "
            f"resumed run rotated {total - rotated} in {seconds:.1f}s ({(total - rotated) / seconds:.0f}/s)"
        )
