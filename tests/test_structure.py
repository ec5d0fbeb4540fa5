"""The house's structure (issue 24): one HiGHS helper, protection imports no planning code,
one definition per concept."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import ibm_geo

PKG = Path(ibm_geo.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports (top level and inside functions)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_protection_imports_no_planning_code():
    """privacy sits downstream of the plan: the plan's column lists come in as arguments."""
    for name in ("privacy.py", "ckm.py", "record_keys.py"):
        bad = {m for m in _imports(PKG / name) if m.startswith("ibm_geo.plan")}
        assert not bad, (name, bad)


def test_only_the_highs_helper_imports_highspy():
    users = sorted(str(p.relative_to(PKG)) for p in PKG.rglob("*.py") if "highspy" in _imports(p))
    assert users == ["highs.py"]


def test_highs_helper_doctest():
    import ibm_geo.highs

    res = doctest.testmod(ibm_geo.highs)
    assert res.attempted >= 1 and res.failed == 0
