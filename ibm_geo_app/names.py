"""Place-name questions for the data step: one question per distinct written place.

A misspelt village is written with its kecamatan in several ways ("Denpasar Sel.", "Dps
Selatan", blank); each spelling is its own row in ``matches`` and used to be its own question.
Here spellings of the same name (compact key) whose possible kab/kota agree are one question,
and the planner's answer is saved for every spelling (``Scenario.place_choices``). Search runs
over every unit, not only the three suggestions; the automatic match is shown and can be
confirmed. No streamlit here: the app renders what these functions return.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ibm_geo.matching import OUTSIDE, place_choice_key
from ibm_geo.names import compact_key, expanded_key, expanded_keys

#: methods that ask the planner: the automatic match is uncertain or missing
ASK = ("ambiguous", "fuzzy", "unmatched")


def _text(v: object) -> str:
    """A cell as text: "" for None, NaN and NA (never the word "nan")."""
    return "" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)


def question_id(keys: list[str]) -> str:
    """Widget id of a question: from the written places it answers, never from its position,
    so answering one question cannot move another's choice or search text onto it."""
    return hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:12]


def questions(
    matches: pd.DataFrame,
    labels: dict[str, str],
    choices: dict[str, str] | None = None,
    *,
    elsewhere: int = 40,
) -> pd.DataFrame:
    """One row per distinct written place that needs an answer, most client rows first.

    ``labels`` is {'Nama (Kec, Kab)': kode} for every unit (:func:`candidate_lookup`).
    Columns: ``qid`` (:func:`question_id`), ``written_name`` (the spelling on most rows),
    ``spellings`` (every written (name, kecamatan, kab/kota) as text), ``keys`` (their
    ``place_choice_key``), ``rows``, ``method`` (the least certain of the group),
    ``auto_kode``/``auto_label`` (the automatic match, or None), ``candidates`` ({label:
    kode}), ``outside`` (villages of that name outside the loaded area, "Kuta (Kuta,
    Kabupaten Badung)", or ""), ``outside_sure`` (a written kecamatan or kab/kota names one
    of them: its candidates inside the area are dropped). Places the planner confirmed to lie
    outside (``choices`` value :data:`~ibm_geo.matching.OUTSIDE`) are not asked again.
    Only the first ``elsewhere`` questions (those shown at once) are looked up nationally.
    """
    cols = ["qid", "written_name", "spellings", "keys", "rows", "method", "auto_kode"]
    cols += ["auto_label", "candidates", "outside", "outside_sure"]
    if matches is None or not len(matches):
        return pd.DataFrame(columns=cols)
    m = matches[matches["method"].isin(ASK)].reset_index(drop=True)
    done = {k for k, v in (choices or {}).items() if v == OUTSIDE}
    if done:
        keys = [
            place_choice_key(a, b, c)
            for a, b, c in zip(
                m["written_name"], m["written_kecamatan"], m["written_kab_kota"], strict=True
            )
        ]
        m = m[[k not in done for k in keys]].reset_index(drop=True)
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
        auto = auto if auto in kab_of else ""  # only a unit of this area is confirmable
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
    loaded = set(labels.values())
    out = []
    for g in groups:
        g = sorted(g, key=lambda y: -int(y["rec"]["rows"]))
        autos = pd.Series([y["auto"] for y in g if y["auto"]], dtype=object)
        auto = str(autos.value_counts().index[0]) if len(autos) else ""
        cands: dict[str, str] = {}
        for y in g:
            cands.update(y["cands"])
        keys = [
            place_choice_key(
                y["rec"]["written_name"],
                y["rec"].get("written_kecamatan"),
                y["rec"].get("written_kab_kota"),
            )
            for y in g
        ]
        out.append(
            {
                "qid": question_id(keys),
                "written_name": _text(g[0]["rec"]["written_name"]),
                "spellings": [
                    " / ".join(
                        _text(y["rec"].get(c)) or "-"
                        for c in ("written_name", "written_kecamatan", "written_kab_kota")
                    )
                    for y in g
                ],
                "keys": keys,
                "rows": int(sum(int(y["rec"]["rows"]) for y in g)),
                "method": min((y["rec"]["method"] for y in g), key=order.get),
                "auto_kode": auto or None,
                "auto_label": label_of.get(auto) if auto else None,
                "candidates": {k: v for k, v in cands.items() if v != auto and k and v},
                "outside": "",
                "outside_sure": False,
                "_group": g,
            }
        )
    df = pd.DataFrame(out, columns=[*cols, "_group"]).astype(object)
    df = df.where(df.notna(), None)  # None, never NaN: a NaN reads as "nan" in a label
    df = df.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
    for i in range(min(elsewhere, len(df))):
        if df.at[i, "auto_kode"] is None:
            outside, sure = _elsewhere(df.at[i, "_group"], loaded)
            df.at[i, "outside"], df.at[i, "outside_sure"] = outside, sure
            if sure:  # not the nearest-looking village of this area
                df.at[i, "candidates"] = {}
    return df.drop(columns="_group")


def _elsewhere(group: list[dict], loaded: set[str]) -> tuple[str, bool]:
    """("Kuta (Kuta, Kabupaten Badung)[; ...]", sure) for a written place whose name is a
    village outside the loaded area (:func:`ibm_geo.gazetteer.places_elsewhere`)."""
    from ibm_geo.gazetteer import places_elsewhere

    best: tuple[pd.DataFrame, bool] | None = None
    for y in group:
        r = y["rec"]
        hits, sure = places_elsewhere(
            r["written_name"], r.get("written_kecamatan"), r.get("written_kab_kota"), loaded=loaded
        )
        if len(hits) and (best is None or (sure and not best[1])):
            best = (hits, sure)
    if best is None:
        return "", False
    hits, sure = best
    shown = [f"{h['nama']} ({h['kecamatan']}, {h['kab_kota']})" for _, h in hits.head(3).iterrows()]
    more = f" (+{len(hits) - 3})" if len(hits) > 3 else ""
    return "; ".join(shown) + more, sure


def confirmed_outside(matches: pd.DataFrame, choices: dict[str, str] | None) -> tuple[int, int]:
    """(written places, rows) the planner confirmed to lie outside the loaded area."""
    done = {k for k, v in (choices or {}).items() if v == OUTSIDE}
    if not done or matches is None or not len(matches):
        return 0, 0
    keys = [
        place_choice_key(a, b, c)
        for a, b, c in zip(
            matches["written_name"],
            matches["written_kecamatan"],
            matches["written_kab_kota"],
            strict=True,
        )
    ]
    hit = np.array([k in done for k in keys], dtype=bool)
    return int(hit.sum()), int(matches.loc[hit, "rows"].astype(int).sum())


def search_units(query: str, labels: dict[str, str], limit: int = 15) -> dict[str, str]:
    """Units whose label best matches ``query``, over every unit: {label: kode}.

    Abbreviations and old spellings are written out on both sides
    (:func:`ibm_geo.names.expanded_key`: "Penatih Dgn Puri" finds Penatih Dangin Puri), units
    whose expanded name equals the query's come first, then the closest names (fuzzy)."""
    q = expanded_key(query or "")
    if not q:
        return {}
    names = list(labels)
    keys = list(expanded_keys([n.split(" (", 1)[0] for n in names]))
    out = {names[i]: labels[names[i]] for i, k in enumerate(keys) if k == q}
    found = process.extract(q, keys, scorer=fuzz.WRatio, limit=limit)
    for f in found:
        out.setdefault(names[f[2]], labels[names[f[2]]])
    return dict(list(out.items())[: max(limit, len(out))])


def blank_status_rows(clients: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of clients whose post-rehab status is blank: they count as
    unserved (not followed up), which a planner must know before trusting the map."""
    if clients is None or not len(clients) or "status_pasca" not in clients:
        return np.zeros(0, dtype=np.int64)
    blank = clients["status_pasca"].isna().to_numpy(bool)
    return clients.loc[blank, "row"].to_numpy(dtype=np.int64)
