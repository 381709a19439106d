"""The import rules of docs/architecture.md, checked on the source of `jiuzhu/` (migrations aside).

1. Layers: a module imports only from its own app or from apps in lower layers (`LAYERS`, bottom first). Apps of
   one layer are peers and do not import each other. Every import counts: at module level, inside a function,
   and under `if TYPE_CHECKING:`.
2. No circles: the modules importing each other at module level or inside functions form no cycle (imports
   under TYPE_CHECKING are types only and are left out).
3. An import inside a function says why on its line or the line above (or above the block of imports it
   belongs to). `AppConfig.ready()` is exempt: Django wants app registrations imported there.

Imports spelled as strings (settings, `import_module`, django-tasks paths) are not seen here.

`KNOWN` would list what still breaks a rule, as pairs (importing module, imported module); it is empty and may
only shrink: an entry that no longer breaks a rule fails the test, so that it is removed.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jiuzhu"

# The layers, bottom first (docs/architecture.md shows this list; a test below keeps the two equal). "jiuzhu"
# stands for the modules directly in the package: settings, urls, routers, wsgi, asgi, envconfig.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("api",),
    ("orgs",),
    ("events", "documents"),
    ("registry",),
    ("cases",),
    ("benefits",),
    ("payments",),
    ("archive", "supervision"),
    ("monitoring",),
    ("portal",),
    ("console",),
    ("jiuzhu", "formats"),
]

# Known breaks of the rules (none left; a new one is fixed, not listed).
KNOWN: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported jiuzhu module
    line: int
    where: str  # "module", "function" or "types"
    reason: bool  # a comment on the line, the line above, or above its block of imports
    in_ready: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in p.relative_to(ROOT).parts
    }


def _resolve(name: str) -> str | None:
    """The module a dotted import name lives in (`jiuzhu.core.clock.now` → `jiuzhu.core.clock`)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _commented(lines: list[str], line: int) -> bool:
    """A `#` comment on the import's line or the line above; for a block of imports, above its first line."""
    i = line - 1
    if "#" in lines[i]:
        return True
    while i > 0 and lines[i - 1].lstrip().startswith(("from ", "import ")) and "#" not in lines[i - 1]:
        i -= 1
    return i > 0 and "#" in lines[i - 1]


def _imports_of(name: str, path: Path) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules() else base for a in node.names]

    def visit(node: ast.AST, where: str, in_ready: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_one(sub, "types", in_ready)
                for sub in child.orelse:
                    visit_one(sub, where, in_ready)
                continue
            visit_one(child, where, in_ready)

    def visit_one(child: ast.AST, where: str, in_ready: bool) -> None:
        if isinstance(child, ast.Import | ast.ImportFrom):
            for target in targets(child):
                resolved = _resolve(target) if target.startswith("jiuzhu") else None
                if resolved and resolved != name:
                    found.append(
                        Import(name, resolved, child.lineno, where, _commented(lines, child.lineno), in_ready)
                    )
        inner = where
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and where == "module":
            inner = "function"
        ready = in_ready or (isinstance(child, ast.FunctionDef) and child.name == "ready")
        visit(child, inner, ready)

    visit(tree, "module", False)
    return found


@cache
def all_imports() -> list[Import]:
    return [imp for name, path in modules().items() for imp in _imports_of(name, path)]


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else "jiuzhu"


def layer_of(app: str) -> int:
    for rank, apps in enumerate(LAYERS):
        if app in apps:
            return rank
    raise AssertionError(f"app {app!r} is in no layer: add it to LAYERS (and docs/architecture.md)")


def layer_breaks() -> set[tuple[str, str]]:
    breaks = set()
    for imp in all_imports():
        source, target = app_of(imp.module), app_of(imp.target)
        if source != target and layer_of(target) >= layer_of(source):
            breaks.add((imp.module, imp.target))
    return breaks


def cycle_edges() -> set[tuple[str, str]]:
    """Imports that close a circle: both ends in the same strongly connected component (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for imp in all_imports():
        if imp.where != "types":
            graph.setdefault(imp.module, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component: dict[str, int] = {}

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component[w] = index[v]
                if w == v:
                    break

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return {(v, w) for v, targets in graph.items() for w in targets if component[v] == component.get(w)}


def unexplained_function_imports() -> set[tuple[str, str]]:
    return {
        (imp.module, imp.target)
        for imp in all_imports()
        if imp.where == "function" and not imp.reason and not imp.in_ready
    }


def _report(pairs: set[tuple[str, str]]) -> str:
    lines = {(i.module, i.target): i.line for i in all_imports()}
    return "\n".join(f"  {m} (line {lines.get((m, t))}) imports {t}" for m, t in sorted(pairs))


def test_imports_point_down_the_layers():
    breaks = layer_breaks() - KNOWN
    assert not breaks, "imports from a lower layer up to a higher one, or between peers:\n" + _report(breaks)


def test_no_import_circles():
    circles = cycle_edges() - KNOWN
    assert not circles, "imports that close a circle:\n" + _report(circles)


def test_imports_inside_functions_say_why():
    silent = unexplained_function_imports() - KNOWN
    assert not silent, "imports inside functions without a comment saying why:\n" + _report(silent)


def test_known_breaks_only_shrink():
    still = layer_breaks() | cycle_edges() | unexplained_function_imports()
    fixed = KNOWN - still
    assert not fixed, "no longer break a rule — remove them from KNOWN:\n" + "\n".join(
        map(str, sorted(fixed))
    )


def test_every_app_has_a_layer_and_the_docs_show_the_same_list():
    apps = {app_of(m) for m in modules()}
    for app in apps:
        layer_of(app)
    docs = (ROOT / "docs" / "architecture.md").read_text()
    shown = docs.split("```python\nLAYERS = [\n", 1)[1].split("\n]\n```", 1)[0]
    rows = [
        tuple(part.strip().strip('"') for part in row.strip().strip("(),").split(",") if part.strip())
        for row in shown.splitlines()
    ]
    assert rows == LAYERS, "docs/architecture.md shows another layer list than tests/test_architecture.py"


# --- the mypy ratchet -------------------------------------------------------------------------------------

# The modules pyproject.toml may exempt from mypy (`ignore_errors`): this set may only lose entries. No module of
# core, api, events or console may ever be in it.
MYPY_EXEMPT_AT_MOST: set[str] = set()  # every module passes mypy; keep it so
NEVER_EXEMPT = ("jiuzhu.core", "jiuzhu.api", "jiuzhu.events", "jiuzhu.console")


def _mypy_exempt() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    exempt: set[str] = set()
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("ignore_errors"):
            names = override["module"]
            exempt.update([names] if isinstance(names, str) else names)
    return exempt


def test_mypy_exemptions_only_shrink():
    exempt = _mypy_exempt()
    assert exempt <= MYPY_EXEMPT_AT_MOST, f"new mypy exemptions: {sorted(exempt - MYPY_EXEMPT_AT_MOST)}"
    kernel = [m for m in exempt if m.startswith(NEVER_EXEMPT)]
    assert not kernel, f"these must pass mypy: {kernel}"
