"""Signed checkpoints of the audit chain heads, kept outside the database (等保: 审计记录的保护).

`manage.py audit_checkpoint` (daily, from the deploy units) checks each chain from its last checkpoint to its
head and writes one JSON file per run into `JIUZHU_AUDIT_CHECKPOINT_DIR`, signed with the audit MAC key, and,
when `JIUZHU_AUDIT_SYSLOG` is set, sends the same line to syslog (shipped to the county's log server). The
verification (`verify_audit_chain`, the audit page) compares the database with every checkpoint: a tail deleted
after a checkpoint, or rows rewritten and their MACs recomputed by someone holding the key, no longer match.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jiuzhu.core import clock
from jiuzhu.core.crypto.provider import KeyUnavailable, provider

log = logging.getLogger(__name__)

FORMAT = "jiuzhu-audit-checkpoint/1"
PREFIX = "audit-checkpoint-"


def directory() -> Path:
    return Path(settings.JIUZHU_AUDIT_CHECKPOINT_DIR)


def _signed_bytes(body: dict) -> bytes:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(unsigned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(body: dict) -> dict:
    ref = provider().audit_ref()
    body = {**body, "mac_key": ref}
    return {**body, "signature": provider().audit_mac(ref, _signed_bytes(body))}


def signature_ok(body: dict) -> bool:
    try:
        expected = provider().audit_mac(str(body.get("mac_key", "")), _signed_bytes(body))
    except KeyUnavailable:
        return False
    return expected == body.get("signature")


@dataclass(frozen=True)
class Loaded:
    heads: dict[str, dict[int, str]]  # chain → seq → hash
    problems: list[str]
    files: int


def load(paths: list[Path] | None = None) -> Loaded:
    """Every checkpoint file (of the directory, or the given ones), verified. A file whose signature does not
    verify is a problem, not silently skipped: removing what a checkpoint says must not be that easy."""
    if paths is None:
        folder = directory()
        paths = sorted(folder.glob(f"{PREFIX}*.json")) if folder.is_dir() else []
    heads: dict[str, dict[int, str]] = {}
    problems: list[str] = []
    for path in paths:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"检查点文件 {path.name} 无法读取（{exc}）")
            continue
        if body.get("format") != FORMAT or not signature_ok(body):
            problems.append(f"检查点文件 {path.name} 的签名无效（文件被改动，或审计密钥不符）")
            continue
        for head in body.get("chains", []):
            heads.setdefault(str(head["chain"]), {})[int(head["seq"])] = str(head["hash"])
    return Loaded(heads, problems, len(paths))


def expected_heads() -> dict[str, dict[int, str]]:
    return load().heads


def write(heads: list[dict]) -> Path:
    """Write one signed checkpoint file (and its syslog line). `heads`: [{chain, seq, hash}]."""
    now = clock.now()
    body = sign({"format": FORMAT, "written_at": now.isoformat(), "chains": heads})
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}.json"
    number = 1
    while path.exists():  # two runs in one second (tests, a manual run after the timer)
        number += 1
        path = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}-{number}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, sort_keys=True)
    _to_syslog(body)
    return path


def _to_syslog(body: dict) -> None:
    target = settings.JIUZHU_AUDIT_SYSLOG
    if not target:
        return
    if target.startswith("/"):
        handler = logging.handlers.SysLogHandler(address=target)
    else:
        host, _, port = target.rpartition(":")
        handler = logging.handlers.SysLogHandler(address=(host, int(port)))
    record = logging.LogRecord(
        "jiuzhu.audit", logging.INFO, __file__, 0, "jiuzhu-audit-checkpoint %s", (json.dumps(body),), None
    )
    try:
        handler.emit(record)
    finally:
        handler.close()
