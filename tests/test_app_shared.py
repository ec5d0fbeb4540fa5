"""Work shared by sessions (issue 15): the Skor step shows the working tier (exact counts) by
default and, in Mode rakor, exactly the published ranking of each weighting (its export)."""

from __future__ import annotations

from pathlib import Path

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.i18n import fmt_num, t
from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs, rescore
from ibm_geo.publish import is_band, publish

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
    for rakor in (False, True):
        if rakor:
            at.sidebar.toggle[0].set_value(True).run()
            assert not at.exception, at.exception
        for weights in ({}, {**W, "distance": 1.0}):
            for c, v in (
                weights
                or {
                    c: 0.35 if c == "unserved_count" else v
                    for c, v in Scenario().weights.as_dict().items()
                }
            ).items():
                at.select_slider(key=f"w_{c}").set_value(v)
            next(b for b in at.button if b.label == "Terapkan bobot").click().run()
            assert not at.exception, at.exception
            sc = Scenario(weights=weights) if weights else Scenario()
            scored = rescore(base, sc)
            shown = shown_top(at)
            if rakor:  # the published ranking, in its own order: what the files hold
                top = publish(scored).top(sc.top_n)
                assert shown["Peringkat"].tolist() == top["rank"].astype(int).tolist()
                for c in ("unserved", "clients"):
                    want = [v if is_band(v) else fmt_num(int(v), "id") for v in top[c]]
                    assert shown[c].astype(str).tolist() == want, (weights, c)
            else:  # the working tier: exact counts in the exact order
                kel = scored.kelurahan.head(sc.top_n)
                assert shown["Peringkat"].tolist() == kel["rank"].tolist()
                for c in ("unserved", "clients"):
                    want = [fmt_num(int(v), "id") for v in kel[c]]
                    assert shown[c].astype(str).tolist() == want, (weights, c)
