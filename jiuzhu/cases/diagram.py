"""docs/workflow.md, generated from the transition table (convention 2). A test keeps it up to date."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.cases.workflow import TRANSITIONS, State, state_label
from jiuzhu.orgs.roles import ROLE_PERMS, Perm, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def _roles_with(perm: str) -> str:
    return "、".join(Role(r).label for r, perms in ROLE_PERMS.items() if perm in perms)


def render() -> str:
    lines = [
        "# 审批流程（由 `jiuzhu/cases/workflow.py` 的流转表生成，请勿手工修改）",
        "",
        "Regenerate with `python manage.py workflow_diagram`. Guards are listed by function name; each returns",
        "the Chinese reason shown to staff when a move is blocked.",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for state in State:
        lines.append(f"    {state.value}: {state.label}")
    lines.append("    [*] --> submitted")
    for t in TRANSITIONS.values():
        targets = [t.target] if t.target else list(t.targets)
        for source in sorted(t.sources):
            for target in targets:
                lines.append(f"    {source} --> {target}: {t.label}")
    for terminal in ("approved", "rejected", "not_accepted", "withdrawn"):
        lines.append(f"    {terminal} --> [*]")
    lines += ["```", "", "| 动作 | 名称 | 从 | 到 | 权限（岗位） | 前提条件 |", "|---|---|---|---|---|---|"]
    for t in TRANSITIONS.values():
        targets = [t.target] if t.target else list(t.targets)
        lines.append(
            f"| `{t.action}` | {t.label} | {'、'.join(state_label(s) for s in sorted(t.sources))} | "
            f"{'、'.join(state_label(s) for s in targets)} | "
            f"{t.perm_note or Perm(t.perm).label + '（' + _roles_with(t.perm) + '）'} | "
            f"{'、'.join(g.__name__.lstrip('_') for g in t.guards) or '—'} |"
        )
    return "\n".join(lines) + "\n"
