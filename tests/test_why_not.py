"""'Why not village X?' on hand-checked plans: each reason, both languages, published figures."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import line_kelurahan, scen
from typer.testing import CliRunner

from ibm_geo.config import PilotConfig
from ibm_geo.errors import UserError
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.plan.why_not import find_unit, why_not


def _kel():
    # unserved 5, 1, 1, 1, 5 on a line 1 km apart; 1.2 km radius; unit 4 with 3 is small
    kel = line_kelurahan(unserved=(9, 1, 0, 3, 8))
    kel["clients"] = kel["unserved"] + 1
    kel["rank"] = np.arange(1, 6)
    return kel


def test_every_reason_for_a_site():
    kel = _kel()
    sc = scen(p=1, forbidden=["73.71.01.1004"])
    plan = plan_recruitment(kel, sc)
    # one group of 4 x 10 = 40: unit 1 reaches 9 + 1 + 0 = 10, unit 0 only 10, unit 3: 3 + 0 + 8?
    # 8 is forbidden at 4 but reachable from 3: 0 + 3 + 8 = 11 -> site at unit 3
    assert plan.sites["kode"].tolist() == ["73.71.01.1003"]
    chosen = why_not(kel, sc, "Kel 3", plan=plan)
    assert chosen.site[0][0] == "site.chosen"
    assert "11" in chosen.text("en") and "diusulkan" in chosen.text("id")
    empty = why_not(kel, sc, "kel 2", plan=plan)  # written differently: still found
    assert empty.site[0][0] == "site.no_unserved"
    forb = why_not(kel, sc, "73.71.01.1004", plan=plan)  # by kode
    assert forb.site[0][0] == "site.forbidden"
    weaker = why_not(kel, sc, "Kel 0", plan=plan)
    assert weaker.site[0][0] == "site.weaker"
    # a group at 0 would reach 9 + 1 = 10 (published: 10 >= k), the chosen one reaches 11
    assert weaker.site[0][1]["reach"] == 10 and weaker.site[0][1]["last"] == 11


def test_figures_quoted_are_exact_on_screen_and_published_in_print():
    """The working tier (the app's screen) quotes the exact reach; given the published tier
    (what the CLI prints) the reach comes from the plan re-evaluated on published counts, so a
    3 is never printed (a count 1..4 is published as 0 or 5)."""
    from ibm_geo.publish import publish_table

    kel = line_kelurahan(unserved=(3, 0, 0, 0, 20))
    kel["clients"] = kel["unserved"] + 6
    sc = scen(p=1)
    plan = plan_recruitment(kel, sc)
    ans = why_not(kel, sc, "Kel 0", plan=plan)
    assert ans.site[0][0] == "site.weaker" and ans.site[0][1]["reach"] == 3
    pub = publish_table(kel, sc, plan=plan)
    shown = why_not(kel, sc, "Kel 0", plan=plan, published=pub)
    assert shown.site[0][0] == "site.weaker"
    assert shown.site[0][1]["reach"] in (0, 5) and " 3 " not in shown.text("id")
    published_last = int(pub.sites["newly_reached"].iat[-1])
    assert shown.site[0][1]["last"] == published_last and abs(published_last - 20) <= 2


def test_reached_by_existing_or_new_group():
    kel = line_kelurahan(unserved=(5, 1, 1, 1, 5), agents=(0, 2, 0, 0, 0), spare=(0, 20, 0, 0, 0))
    sc = scen(p=1)
    plan = plan_recruitment(kel, sc)
    ans = why_not(kel, sc, "Kel 0", plan=plan)
    assert ans.site[0][0] == "site.reached_existing"
    new = why_not(kel, sc, "Kel 4", plan=plan)
    assert new.site[0][0] in {"site.chosen", "site.reached_new"}


def test_pilot_reasons():
    kel = _kel()
    kel["score"] = [90.0, 80, 70, 60, 50]
    sc = scen(p=1).model_copy(update={"pilots": PilotConfig(per_kab=1, min_unserved=5)})
    plan = plan_recruitment(kel, sc)
    # the plan's only site (Kel 3, 3 unserved) is below pilots.min_unserved: no pilot from it
    assert choose_pilots(kel, sc, sites=plan.sites).empty
    pilots = choose_pilots(kel, sc)  # from the top of the ranking instead
    assert pilots["kode"].tolist() == ["73.71.01.1000", "73.71.01.1004"]
    assert why_not(kel, sc, "Kel 0", plan=plan, pilots=pilots).pilot[0][0] == "pilot.chosen"
    few = why_not(kel, sc, "Kel 3", plan=plan, pilots=pilots)
    assert few.pilot[0][0] == "pilot.few_unserved" and few.pilot[0][1]["unserved"] == 3
    # printed: Kel 3 has 4 clients in the register, so it publishes the band
    from ibm_geo.publish import publish_table

    pub = publish_table(kel, sc, plan=plan, pilots=pilots)
    few = why_not(kel, sc, "Kel 3", plan=plan, pilots=pilots, published=pub)
    assert few.pilot[0][1]["unserved"] == "<5"


def test_unknown_and_ambiguous_names_are_user_errors():
    kel = _kel()
    with pytest.raises(UserError) as e:
        find_unit(kel, "Kel 9x")
    assert e.value.code == "whynot.unknown" and "Kel" in str(e.value)
    kel.loc[4, "nama"] = "Kel 0"
    with pytest.raises(UserError) as e:
        find_unit(kel, "Kel 0")
    assert e.value.code == "whynot.ambiguous" and "73.71.01.1004" in e.value.message("id")
    assert find_unit(kel, "KEL. 0", kecamatan="kec b") == 4


def test_cli_why_not(tmp_path):
    from ibm_geo.cli import app
    from ibm_geo.demo import demo_paths

    d = demo_paths()
    args = ["why-not", "--boundaries", str(d["boundaries"]), "--clients", str(d["clients"])]
    args += ["--agents", str(d["agents"]), "--service-points", str(d["service_points"])]
    r = CliRunner().invoke(app, [*args, "--kelurahan", "Sebatu", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "Sebatu" in r.output and ("group" in r.output or "pilot" in r.output)
    bad = CliRunner().invoke(app, [*args, "--kelurahan", "Sebatux Raya Baru"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
