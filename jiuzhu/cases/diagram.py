"""docs/workflow.md, generated from the transition table (convention 2), so that the picture staff and
developers read is the table the code runs. A test keeps it up to date."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.cases.states import INITIAL, TERMINAL, State, state_label
from jiuzhu.cases.transitions import EDITS, TRANSITIONS
from jiuzhu.orgs.roles import ROLE_PERMS, Perm, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def _roles_with(perm: str) -> str:
    return "、".join(Role(r).label for r, perms in ROLE_PERMS.items() if perm in perms)


def render() -> str:
    lines = [
        "# 审批流程（由 `jiuzhu/cases/transitions.py` 的流转表生成，请勿手工修改）",
        "",
        "Regenerate with `python manage.py workflow_diagram`. Guards are listed by function name; each returns",
        "the Chinese reason shown to staff when a move is blocked.",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for state in State:
        lines.append(f"    {state.value}: {state.label}")
    lines.append(f"    [*] --> {INITIAL.value}")
    for t in TRANSITIONS.values():
        for source in sorted(t.sources):
            for target in t.ends_in:
                lines.append(f"    {source} --> {target}: {t.label}")
    for terminal in (state for state in State if state in TERMINAL):
        lines.append(f"    {terminal.value} --> [*]")
    lines += ["```", "", "| 动作 | 名称 | 从 | 到 | 权限（岗位） | 前提条件 |", "|---|---|---|---|---|---|"]
    for t in TRANSITIONS.values():
        lines.append(
            f"| `{t.action}` | {t.label} | {'、'.join(state_label(s) for s in sorted(t.sources))} | "
            f"{'、'.join(state_label(s) for s in t.ends_in)} | "
            f"{t.perm_note or Perm(t.perm).label + '（' + _roles_with(t.perm) + '）'} | "
            f"{'、'.join(g.__name__.lstrip('_') for g in t.guards) or '—'} |"
        )
    lines += [
        "",
        "不改变状态的登记（仅在下列状态可办）：",
        "",
        "| 登记 | 名称 | 状态 | 权限 |",
        "|---|---|---|---|",
    ]
    for e in EDITS.values():
        lines.append(
            f"| `{e.action}` | {e.label} | {'、'.join(state_label(s) for s in sorted(e.sources))} | "
            f"{Perm(e.perm).label} |"
        )
    return "\n".join(lines) + "\n"
