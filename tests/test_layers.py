"""The publish step is the one place protection happens: renderers and exporters take the
published object and import no protection code (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "ibm_geo"
PROTECTION = {"ibm_geo.privacy", "ibm_geo.ckm", "ibm_geo.record_keys"}


def _imports(path: Path, pkg: Path = PKG) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(pkg.parent).with_suffix("").parts[: -node.level]
                mod = ".".join([*parts, mod] if mod else parts)
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def test_renderers_and_exporters_import_no_protection_code():
    files = sorted((PKG / "render").glob("*.py")) + sorted((PKG / "export").glob("*.py"))
    assert len(files) >= 8
    bad = {
        str(f.relative_to(PKG)): sorted(_imports(f) & PROTECTION)
        for f in files
        if _imports(f) & PROTECTION
    }
    assert not bad, bad


def test_the_check_sees_a_protection_import(tmp_path):
    """Negative control: the same check flags a renderer that imports the privacy layer."""
    pkg = tmp_path / "ibm_geo"
    (pkg / "render").mkdir(parents=True)
    f = pkg / "render" / "probe.py"
    f.write_text("from ibm_geo.privacy import disclose\nfrom ..ckm import ptable\n")
    assert _imports(f, pkg) & PROTECTION == {"ibm_geo.privacy", "ibm_geo.ckm"}
