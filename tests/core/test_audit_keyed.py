"""PI4 (等保 安全审计): a keyed audit chain with signed checkpoints outside the database; nothing purges events.

The attacks of the issue: an insider rewrites a row and recomputes the chain (without the key: the MACs do not
match; with it: the checkpoint does not), deletes the tail, or edits a checkpoint file.
"""

from __future__ import annotations

import hashlib
import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import transaction

from jiuzhu.core import audit, audit_checkpoints, clock
from jiuzhu.core.models import AuditChain, AuditEvent
from tests.core.test_audit import _raw_update
from tests.helpers import JIANSHAN, user

pytestmark = pytest.mark.django_db
CHAIN = JIANSHAN[:6]


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.JIUZHU_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.JIUZHU_AUDIT_CHECKPOINT_DIR


def _write(n: int) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit.record(actor=user("js_bureau"), action="test.event", area_code=JIANSHAN, after={"i": i})
            for i in range(n)
        ]


def _recompute_from(event_id: int, *, keyed: bool) -> None:
    """What an insider with write access does after changing a row: recompute every later link (and the head)."""
    prev = AuditEvent.objects.filter(chain=CHAIN, id__lt=event_id).order_by("-seq").first()
    prev_hash = prev.hash if prev else audit.GENESIS
    for event in AuditEvent.objects.filter(chain=CHAIN, id__gte=event_id).order_by("seq"):
        event.prev_hash = prev_hash
        if not keyed:
            event.mac_key = ""  # without the key all one can compute is the plain SHA-256
        digest = audit.compute_hash(event)
        _raw_update(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s, mac_key = %s WHERE id = %s",
            [prev_hash, digest, event.mac_key, event.id],
        )
        prev_hash = digest
    AuditChain.objects.filter(key=CHAIN).update(last_hash=prev_hash)


def test_events_are_chained_with_the_keyed_mac_of_the_suite(settings):
    event = _write(1)[0]
    assert event.mac_key == "sha256.1"
    blob_without_key = hashlib.sha256(b"anything").hexdigest()
    assert event.hash != blob_without_key and len(event.hash) == 64
    assert audit.verify_chain(CHAIN).ok


def test_rewrite_and_recompute_without_the_key_is_detected():
    events = _write(4)
    _raw_update("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["改写", events[1].id])
    _recompute_from(events[1].id, keyed=False)
    report = audit.verify_chain(CHAIN)
    assert not report.ok and report.broken_at.id == events[1].id


def test_rewrite_and_recompute_with_the_key_is_caught_by_the_signed_checkpoint(capsys):
    events = _write(4)
    call_command("audit_checkpoint")
    assert "检查点已写入" in capsys.readouterr().out
    _raw_update("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["改写", events[1].id])
    _recompute_from(events[1].id, keyed=True)
    assert all(audit.compute_hash(e) == e.hash for e in AuditEvent.objects.filter(chain=CHAIN))
    report = audit.verify_chain(CHAIN)
    assert not report.ok and "检查点" in report.problem
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    assert "签名检查点" in capsys.readouterr().out
    # The audit administrator's page shows it too.
    from tests.helpers import client_for

    page = client_for("js_auditadmin").post("/settings/audit/verify/").content.decode()
    assert "签名检查点" in page


def test_deleting_the_tail_after_a_checkpoint_is_caught_even_with_the_head_fixed():
    events = _write(3)
    call_command("audit_checkpoint")
    _raw_update("DELETE FROM core_auditevent WHERE id = %s", [events[-1].id])
    AuditChain.objects.filter(key=CHAIN).update(last_seq=events[-2].seq, last_hash=events[-2].hash)
    report = audit.verify_chain(CHAIN)
    assert not report.ok and "末尾记录被删除" in report.problem


def test_a_changed_checkpoint_file_is_reported_not_ignored(checkpoint_dir, capsys):
    _write(2)
    call_command("audit_checkpoint")
    path = next(Path(checkpoint_dir).glob("audit-checkpoint-*.json"))
    body = json.loads(path.read_text())
    body["chains"][0]["seq"] -= 1
    path.write_text(json.dumps(body))
    loaded = audit_checkpoints.load()
    assert loaded.problems and "签名无效" in loaded.problems[0]
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


def test_checkpoint_goes_to_syslog(settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.JIUZHU_AUDIT_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
    try:
        _write(1)
        call_command("audit_checkpoint")
        line = receiver.recv(65536).decode()
    finally:
        receiver.close()
    assert "jiuzhu-audit-checkpoint" in line and CHAIN in line and "signature" in line


def test_checkpoints_are_verified_against_the_database_when_intact(capsys):
    _write(2)
    call_command("audit_checkpoint")
    clock.advance(timedelta(days=1))
    _write(2)
    call_command("audit_checkpoint")
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert "审计日志完整" in out and "检查点文件 2 个" in out


# --- retention (网络安全法 art. 21: at least 180 days) -----------------------------------------------------


def test_no_clean_up_ever_deletes_audit_events(settings):
    """Every clean-up command of the product, run long after the events, leaves the audit trail alone."""
    _write(3)
    before = AuditEvent.objects.count()
    cleanups = sorted(
        name
        for name, app in get_commands().items()
        if app.startswith("jiuzhu") and any(w in name for w in ("purge", "clean", "prune", "expire"))
    )
    assert "purge_personal_files" in cleanups
    for days in (179, 181, 3650):
        clock.advance(timedelta(days=days))
        for name in cleanups:
            call_command(name)
    assert AuditEvent.objects.count() >= before


def test_no_code_deletes_audit_events():
    root = Path(__file__).resolve().parents[2] / "jiuzhu"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "AuditEvent.objects" in text and ".delete(" in text:
            for line in text.splitlines():
                if "AuditEvent.objects" in line and ".delete(" in line:
                    offenders.append(f"{path.name}: {line.strip()}")
        if "DELETE FROM core_auditevent" in text.replace('"', ""):
            offenders.append(path.name)
    assert offenders == []
