"""Print the layers of ibm_geo as the code has them: the module-level import graph (top level and
inside functions, read with ast) folded to groups (a subpackage or a top-level module), each
group on the lowest layer above everything it imports. docs/ARCHITECTURE.md's diagram is drawn
from this output; tests/test_structure.py keeps the graph free of cycles and back-arrows.

    python scripts/import_layers.py            # layers, bottom first, with each group's arrows
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "ibm_geo"


def module_of(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def group_of(module: str) -> str:
    """``ibm_geo.plan.pilots`` -> ``plan``; ``ibm_geo.publish`` -> ``publish``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ibm_geo"


def imported(path: Path, modules: set[str]) -> set[str]:
    """The ibm_geo modules (or packages) one file imports, resolved to absolute names
    (``from package import module`` is an arrow to the module)."""
    here = module_of(path).split(".")
    base = here if path.name == "__init__.py" else here[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                b = base[: len(base) - (node.level - 1)]
                mod = ".".join([*b, mod] if mod else b)
            subs = {f"{mod}.{a.name}" for a in node.names} & modules
            out |= subs | ({mod} if len(subs) < len(node.names) else set())
    return {m for m in out if m.split(".")[0] == "ibm_geo"}


def module_graph() -> dict[str, set[str]]:
    """Module -> the ibm_geo modules it imports (packages' own ``__init__`` as the package)."""
    files = [p for p in sorted(PKG.rglob("*.py")) if "migrations" not in p.parts]
    modules = {module_of(p) for p in files} - {"ibm_geo.__main__"}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for p in files:
        src = module_of(p)
        if src not in modules:
            continue
        for m in imported(p, modules):
            while m not in modules and "." in m:
                m = m.rsplit(".", 1)[0]
            if m in modules and m not in (src, "ibm_geo"):
                graph[src].add(m)
    graph.pop("ibm_geo", None)
    return graph


def layers(graph: dict[str, set[str]]) -> dict[str, int]:
    """Layer of each module: 0 without arrows, else one above its highest import (the graph
    has no cycle: tests/test_structure.py)."""
    level: dict[str, int] = {}

    def visit(m: str) -> int:
        if m not in level:
            level[m] = -1  # a cycle would recurse forever; the test rules it out
            level[m] = 1 + max((visit(d) for d in graph.get(m, ())), default=-1)
        return level[m]

    for m in sorted(graph):
        visit(m)
    return level


def main() -> None:
    graph = module_graph()
    level = layers(graph)
    groups: dict[str, list[str]] = {}
    for m in graph:
        groups.setdefault(group_of(m), []).append(m)
    sys.stdout.write("group            layers  imports (other groups)\n")
    for g, mods in sorted(groups.items(), key=lambda kv: (max(level[m] for m in kv[1]), kv[0])):
        lv = sorted({level[m] for m in mods})
        span = f"{lv[0]}" if len(lv) == 1 else f"{lv[0]}-{lv[-1]}"
        deps = sorted({group_of(d) for m in mods for d in graph[m]} - {g})
        sys.stdout.write(f"{g:<16} {span:<7} {', '.join(deps) or '-'}\n")


if __name__ == "__main__":
    main()
