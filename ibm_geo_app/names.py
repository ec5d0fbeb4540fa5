"""Place-name questions for the data step: one question per distinct written place.

A misspelt village is written with its kecamatan in several ways ("Denpasar Sel.", "Dps
Selatan", blank); each spelling is its own row in ``matches`` and used to be its own question.
Here spellings of the same name (compact key) whose possible kab/kota agree are one question,
and the planner's answer is saved for every spelling (``Scenario.place_choices``). Search runs
over every unit, not only the three suggestions; the automatic match is shown and can be
confirmed. No streamlit here: the app renders what these functions return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ibm_geo.matching import place_choice_key
from ibm_geo.names import compact_key

#: methods that ask the planner: the automatic match is uncertain or missing
ASK = ("ambiguous", "fuzzy", "unmatched")


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def questions(matches: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """One row per distinct written place that needs an answer, most client rows first.

    ``labels`` is {'Nama (Kec, Kab)': kode} for every unit (:func:`candidate_lookup`).
    Columns: ``written_name`` (the spelling on most rows), ``spellings`` (every written
    (name, kecamatan, kab/kota) as text), ``keys`` (their ``place_choice_key``), ``rows``,
    ``method`` (the least certain of the group), ``auto_kode``/``auto_label`` (the automatic
    match, if any), ``candidates`` ({label: kode}).
    """
    cols = ["written_name", "spellings", "keys", "rows", "method", "auto_kode", "auto_label"]
    cols += ["candidates"]
    if matches is None or not len(matches):
        return pd.DataFrame(columns=cols)
    m = matches[matches["method"].isin(ASK)].reset_index(drop=True)
    if not len(m):
        return pd.DataFrame(columns=cols)
    kab_of = {kode: label.rsplit(", ", 1)[-1].rstrip(")") for label, kode in labels.items()}
    label_of = {kode: label for label, kode in labels.items()}
    recs = []
    for r in m.to_dict("records"):
        cands = {}
        for part in _text(r.get("candidates")).split(";"):
            part = part.strip()
            if part in labels:
                cands[part] = labels[part]
        auto = _text(r.get("kode")) if r["method"] == "fuzzy" else ""
        kabs = {kab_of[k] for k in [auto, *cands.values()] if k in kab_of}
        written_kab = compact_key(_text(r.get("written_kab_kota")))
        recs.append(
            {
                "name_key": compact_key(_text(r["written_name"])),
                "kabs": {compact_key(k) for k in kabs} or ({written_kab} if written_kab else set()),
                "rec": r,
                "cands": cands,
                "auto": auto,
            }
        )
    # group: same compact name, and the kab/kota they can be in overlap (or one is unknown)
    groups: list[list[dict]] = []
    by_name: dict[str, list[list[dict]]] = {}
    for x in recs:
        placed = False
        for g in by_name.setdefault(x["name_key"], []):
            gk = set().union(*(y["kabs"] for y in g))
            if not x["kabs"] or not gk or x["kabs"] & gk:
                g.append(x)
                placed = True
                break
        if not placed:
            g = [x]
            by_name[x["name_key"]].append(g)
            groups.append(g)
    order = {"unmatched": 0, "ambiguous": 1, "fuzzy": 2}
    out = []
    for g in groups:
        g = sorted(g, key=lambda y: -int(y["rec"]["rows"]))
        autos = pd.Series([y["auto"] for y in g if y["auto"]], dtype=object)
        auto = str(autos.value_counts().index[0]) if len(autos) else ""
        cands: dict[str, str] = {}
        for y in g:
            cands.update(y["cands"])
        out.append(
            {
                "written_name": _text(g[0]["rec"]["written_name"]),
                "spellings": [
                    " / ".join(
                        _text(y["rec"].get(c)) or "-"
                        for c in ("written_name", "written_kecamatan", "written_kab_kota")
                    )
                    for y in g
                ],
                "keys": [
                    place_choice_key(
                        y["rec"]["written_name"],
                        y["rec"].get("written_kecamatan"),
                        y["rec"].get("written_kab_kota"),
                    )
                    for y in g
                ],
                "rows": int(sum(int(y["rec"]["rows"]) for y in g)),
                "method": min((y["rec"]["method"] for y in g), key=order.get),
                "auto_kode": auto or None,
                "auto_label": label_of.get(auto) if auto else None,
                "candidates": {k: v for k, v in cands.items() if v != auto},
            }
        )
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def search_units(query: str, labels: dict[str, str], limit: int = 15) -> dict[str, str]:
    """Units whose label best matches ``query`` (fuzzy, over every unit): {label: kode}."""
    q = compact_key(query or "")
    if not q:
        return {}
    names = list(labels)
    keys = [compact_key(n.split(" (", 1)[0]) for n in names]
    found = process.extract(q, keys, scorer=fuzz.WRatio, limit=limit)
    return {names[f[2]]: labels[names[f[2]]] for f in found}


def blank_status_rows(clients: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of clients whose post-rehab status is blank: they count as
    unserved (not followed up), which a planner must know before trusting the map."""
    if clients is None or not len(clients) or "status_pasca" not in clients:
        return np.zeros(0, dtype=np.int64)
    blank = clients["status_pasca"].isna().to_numpy(bool)
    return clients.loc[blank, "row"].to_numpy(dtype=np.int64)
