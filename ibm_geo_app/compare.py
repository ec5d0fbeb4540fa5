"""The A/B comparison as the planner reads it: labelled figures, values as text in the chosen
language (one type per column, so the table draws without Arrow type errors)."""

from __future__ import annotations

import pandas as pd

from ibm_geo.i18n import t
from ibm_geo.render.text import fmt_num

#: plan summary metrics shown, in this order (the rest are solver internals)
METRICS = [
    "sites", "agents_to_recruit", "newly_reached", "covered_after", "covered_before",
    "total_demand", "new_group_capacity", "radius_m", "sites_in_both", "model", "solver",
]  # fmt: skip
CHANGES = ("kept", "added", "removed", "gained", "lost")
#: labels that already have a text elsewhere (one text per concept); the rest are ``cmp.m.*``
#: (metrics) and ``cmp.c.*`` (columns)
_SHARED = {"newly_reached": "field.newly_reached", "model": "p.model", "kode": "field.kode",
           "nama": "field.nama", "kab_kota": "field.kab_kota"}  # fmt: skip


def _cell(v: object, lang: str) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, bool):
        return t("cmp.yes", lang) if v else t("cmp.no", lang)
    if isinstance(v, int | float):
        return fmt_num(v, lang, 0 if float(v).is_integer() else 1)
    if isinstance(v, str) and v in CHANGES:
        return t(f"cmp.{v}", lang)
    return str(v)


def summary_table(summary: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """``compare_plans`` output -> rows a planner reads (metric label, A, B, difference)."""
    from ibm_geo.plan.result import solver_text

    s = summary.set_index("metric")
    rows = []
    for m in METRICS:
        if m not in s.index:
            continue
        a, b, d = s.loc[m, "a"], s.loc[m, "b"], s.loc[m, "difference"]
        if m == "solver":
            a, b = solver_text(str(a), lang), solver_text(str(b), lang)
        rows.append(
            [t(_SHARED.get(m, f"cmp.m.{m}"), lang), _cell(a, lang), _cell(b, lang), _cell(d, lang)]
        )
    cols = [t("cmp.metric", lang), t("cmp.a", lang), t("cmp.b", lang), t("cmp.diff", lang)]
    return pd.DataFrame(rows, columns=cols)


def unit_table(cmp: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """Per-village comparison with labelled columns and translated change words."""
    out = pd.DataFrame(index=cmp.index)
    for c in cmp.columns:
        col = cmp[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            col = col.map(lambda v: _cell(v, lang) if v is not None else "–")
        elif lang == "id" and pd.api.types.is_float_dtype(col):  # 65,4: Streamlit writes 65.4
            col = col.map(lambda v: _cell(v, lang))
        key = _SHARED.get(c, f"cmp.c.{c}")
        label = t(key, lang)
        out[label if label != key else c] = col
    return out


def slot_names(a, b) -> tuple[str, str]:
    """Names of the two saved scenarios as shown: their own names, and when both carry the
    same one (two "Skenario dasar"), each followed by what sets it apart from the other."""
    from ibm_geo_app.state import scenario_diff

    if a.name != b.name:
        return a.name, b.name
    da, db = scenario_diff(b, a), scenario_diff(a, b)
    if not da:  # the same settings twice: the slots still have their own names
        return f"{a.name} (A)", f"{b.name} (B)"
    return f"{a.name} ({', '.join(da)})", f"{b.name} ({', '.join(db)})"
