"""The audit trail: one append-only table, chained per county with a keyed MAC (foundation item 11, 等保).

`record()` is called by every service inside its transaction. It locks the chain head, so two events of
one county are written one after the other and the chain stays linear; counties do not wait on each
other.

Each event's `hash` is HMAC-SM3 or HMAC-SHA-256 (by the crypto suite) under the audit key, which lives in the
environment, not in the database: whoever can write the table cannot recompute the chain. `mac_key` names the
algorithm and key version ("sm3.1"); events from before the chain was keyed have "" and a plain SHA-256, and
may only precede the keyed ones. Signed checkpoints of each chain head, exported daily outside the database
(core.audit_checkpoints), catch what even a holder of the key would do: delete the tail, or rewrite and
recompute. Events are never purged (retention ≥ 180 days, 网络安全法 art. 21); on PostgreSQL a trigger
refuses UPDATE and DELETE and the runtime database role does not own the table (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from jiuzhu.core import clock, context
from jiuzhu.core.audit_checkpoints import expected_heads
from jiuzhu.core.crypto.provider import KeyUnavailable, provider
from jiuzhu.core.models import AuditChain, AuditEvent

GENESIS = "0" * 64
NO_AREA_CHAIN = "000000"

# Chinese names of actions, for the timeline and the audit pages. Apps add their own at import time.
ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.password_change": "修改密码",
    "token.issue": "生成访问令牌",
    "token.revoke": "作废访问令牌",
    "staff.create": "新增工作人员",
    "staff.membership_add": "分配岗位",
    "params.set": "调整政策参数",
    "calendar.load_year": "导入节假日安排",
    "calendar.recompute_deadlines": "按节假日安排重算期限",
    "delegation.grant_create": "登记审批权限委托",
    "delegation.grant_suspend": "暂停委托",
    "delegation.grant_resume": "恢复委托",
    "delegation.grant_revoke": "撤销委托",
}


def register_actions(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _canonical(value: Any) -> Any:
    """JSON-safe and stable: what is hashed is exactly what is stored."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))


def chain_key(area_code: str) -> str:
    return area_code[:6] if area_code else NO_AREA_CHAIN


def compute_hash(event: AuditEvent) -> str:
    """The event's MAC under the key named by its `mac_key` (plain SHA-256 for legacy unkeyed events)."""
    payload = {
        "chain": event.chain,
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "role": event.role,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "area_code": event.area_code,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "ip": event.ip,
        "channel": event.channel,
        "prev": event.prev_hash,
    }
    if event.mac_key:
        payload["mac"] = event.mac_key  # the algorithm is authenticated too: no downgrade to plain SHA-256
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    if event.mac_key:
        return provider().audit_mac(event.mac_key, blob)
    return hashlib.sha256(blob).hexdigest()


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    area_code: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    membership=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction (the business change and its event
    commit or roll back together)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
        area_code = area_code or getattr(obj, "area_code", "") or ""
    meta = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    key = chain_key(area_code)
    AuditChain.objects.get_or_create(key=key)
    head = AuditChain.objects.select_for_update().get(key=key)
    event = AuditEvent(
        chain=key,
        seq=head.last_seq + 1,
        at=clock.now(),
        actor=user,
        actor_name=(user.get_full_name() or user.get_username()) if user else "系统",
        role=getattr(membership, "role", "") or "",
        organisation_id=getattr(membership, "organisation_id", None),
        organisation_name=str(membership.organisation) if membership is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        area_code=area_code,
        before=_canonical(before),
        after=_canonical(after),
        reason=reason,
        ip=meta.ip,
        channel=meta.channel,
        prev_hash=head.last_hash or GENESIS,
        mac_key=provider().audit_ref(),
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The before/after picture of the named fields, for an audit event."""
    return {name: getattr(obj, name) for name in fields}


@dataclass(frozen=True)
class ChainReport:
    chain: str
    checked: int
    broken_at: AuditEvent | None = None
    problem: str = ""
    checkpoints: int = 0  # checkpoint entries the chain was compared with

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.problem


def _mac_matches(event: AuditEvent) -> bool:
    try:
        return compute_hash(event) == event.hash
    except KeyUnavailable:
        return False


def verify_chain(key: str, checkpoints: dict[int, str] | None = None) -> ChainReport:
    """Walk one chain in order; report the first row whose MAC, link or sequence is wrong, or that differs
    from a signed checkpoint. `checkpoints` (seq → hash of this chain) defaults to those exported to the
    checkpoint directory."""
    if checkpoints is None:
        checkpoints = expected_heads().get(key, {})
    prev = GENESIS
    expected_seq = 1
    checked = 0
    keyed = False
    for event in AuditEvent.objects.filter(chain=key).order_by("seq").iterator(chunk_size=5000):
        if event.seq != expected_seq:
            return ChainReport(
                key, checked, event, f"序号不连续：期望 {expected_seq}，实际 {event.seq}（有记录被删除）"
            )
        if event.prev_hash != prev:
            return ChainReport(key, checked, event, "前一条记录的哈希不符（前面的记录被改动或删除）")
        if keyed and not event.mac_key:
            return ChainReport(key, checked, event, "带密钥校验的记录之后出现了不带密钥的记录（记录被改写）")
        if not _mac_matches(event):
            return ChainReport(key, checked, event, "记录内容与其校验码不符（本条记录被改动）")
        if event.seq in checkpoints and checkpoints[event.seq] != event.hash:
            return ChainReport(
                key, checked, event, "与签名检查点记载的校验码不符（记录被改写后重新计算了校验码）"
            )
        keyed = keyed or bool(event.mac_key)
        prev = event.hash
        expected_seq += 1
        checked += 1
    beyond = [seq for seq in checkpoints if seq > checked]
    if beyond:
        return ChainReport(
            key,
            checked,
            None,
            f"链尾不符：签名检查点记载至第 {max(beyond)} 条，数据库只有 {checked} 条（末尾记录被删除）",
            len(checkpoints),
        )
    head = AuditChain.objects.filter(key=key).first()
    if head is not None and (head.last_seq != checked or (checked and head.last_hash != prev)):
        return ChainReport(
            key, checked, None, f"链尾不符：链头记载 {head.last_seq} 条，实际 {checked} 条（末尾记录被删除）"
        )
    return ChainReport(key, checked, checkpoints=len(checkpoints))


def verify_all() -> list[ChainReport]:

    expected = expected_heads()
    keys = (
        set(AuditChain.objects.values_list("key", flat=True))
        | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
        | set(expected)
    )
    return [verify_chain(key, expected.get(key, {})) for key in sorted(keys)]
