"""Work shared by sessions (issue 15): the counts the Skor step shows are suppressed once per
analysis and reused for every weighting of it; they must be exactly the cells each weighting's
own export hides (``public_table`` of that scored table)."""

from __future__ import annotations

from pathlib import Path

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.i18n import fmt_num, t
from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs, rescore
from ibm_geo.privacy import is_suppressed, public_table

APP = str(Path(__file__).resolve().parents[1] / "app.py")
W = {"unserved_count": 0.0, "unserved_share": 0.0, "recency": 0.0, "presence": 0.0}


def shown_top(at):
    table = next(d.value for d in at.dataframe if "Stabilitas (%)" in d.value.columns)
    cols = {t(f"field.{c}", "id"): c for c in ("unserved", "clients")}
    return table[["Peringkat", *cols]].rename(columns=cols)


def test_screen_counts_of_every_weighting_are_its_exports(tmp_path):
    from streamlit.testing.v1 import AppTest

    d = demo_paths()
    joined = join_inputs(
        load_inputs(d["boundaries"], d["clients"], d["agents"], d["service_points"])
    )
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio[0].set_value("score").run()
    assert not at.exception, at.exception
    base = analyze_joined(joined, Scenario())
    for weights in ({}, {**W, "distance": 1.0}):
        if weights:
            for c, v in weights.items():
                at.slider(key=f"w_{c}").set_value(v)
            next(b for b in at.button if b.label == "Terapkan bobot").click().run()
            assert not at.exception, at.exception
        sc = Scenario(weights=weights) if weights else Scenario()
        scored = rescore(base, sc).kelurahan
        pub = public_table(scored, sc.suppression_k).head(sc.top_n)
        shown = shown_top(at)
        assert shown["Peringkat"].tolist() == scored["rank"].head(sc.top_n).tolist()
        for c in ("unserved", "clients"):
            want = [v if is_suppressed(v) else fmt_num(int(v), "id") for v in pub[c]]
            assert shown[c].astype(str).tolist() == want, (weights, c)
    # the second weighting reordered the rows, and some cells of the top rows are hidden
    assert any(shown[c].astype(str).eq("*").any() for c in ("unserved", "clients"))
