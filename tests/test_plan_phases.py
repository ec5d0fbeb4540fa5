"""Phased rollout over budget years on the five-square line (desa model, hand-checked)."""

from __future__ import annotations

import pandas as pd
import pytest
from _helpers import line_kelurahan

from ibm_geo.config import Scenario
from ibm_geo.errors import UserError
from ibm_geo.plan import plan_phases
from ibm_geo.plan.phases import TAHAP_COLUMNS
from ibm_geo.publish import phases_for_demand

K = "73.71.01.100"


def yearly() -> pd.DataFrame:
    """Unit 0: 6 clients rehabilitated in 2021 and 3 in 2022; units 2 and 4: 9 and 8 in 2022."""
    return pd.DataFrame(
        {
            "kode": [K + "0", K + "0", K + "2", K + "4"],
            "tahun": [2021, 2022, 2022, 2022],
            "unserved": [6, 3, 9, 8],
        }
    )


def scen(**plan) -> Scenario:
    base = {
        "curve_max_p": 3,
        "phases": [{"year": 2021, "groups": 1}, {"year": 2022, "groups": 3, "target": 30}],
    }
    base.update(plan)
    return Scenario(group_size=5, default_capacity=10, plan=base)


def test_each_year_builds_on_the_last():
    kel = line_kelurahan(unserved=(9, 0, 9, 0, 8))
    ph = plan_phases(kel, scen(), yearly_unserved=yearly())
    t = ph.tahap
    assert list(t.columns) == TAHAP_COLUMNS
    # 2021 knows only unit 0's six clients; in 2022 the 2021 group (capacity 50) takes unit 0's
    # nine, so the three new groups can only use units 2 and 4: the third is not placed
    cols = ["tahun", "nama", "clients_reached", "cumulative_reached"]
    assert list(t[cols].itertuples(index=False, name=None)) == [
        (2021, "Kel 0", 6, 6),
        (2022, "Kel 2", 9, 15),
        (2022, "Kel 4", 8, 23),
    ]
    y = ph.years.set_index("tahun")
    assert y.loc[2021, "demand"] == 6 and y.loc[2022, "demand"] == 26
    assert y.loc[2022, "covered_after"] == 26 and y.loc[2022, "reached_new"] == 17
    assert y.loc[2022, "groups_placed"] == 2 and y.loc[2022, "groups_requested"] == 3
    assert not y.loc[2022, "target_met"]  # 26 of the target 30
    assert "kelompok ke-3 tidak menjangkau klien baru" in y.loc[2022, "note_id"]
    lines = ph.lines("id")
    assert lines[0] == (
        "Tahap 2021: 1 kelompok baru di Kel 0; menjangkau 6 klien baru (kumulatif 6)."
    )
    assert lines[1].startswith("Tahap 2022: 2 kelompok baru di Kel 2, Kel 4; menjangkau 17")
    assert "target 30: belum tercapai (26 terjangkau)" in lines[1]
    # the coverage curve per year
    c = ph.curves
    assert list(c.loc[c["tahun"] == 2022, "covered"]) == [9, 18, 26, 26]


def test_earlier_groups_keep_only_their_capacity():
    kel = line_kelurahan(unserved=(9, 0, 9, 0, 8))
    ph = plan_phases(kel, scen(capacity=7), yearly_unserved=yearly())
    t = ph.tahap[ph.tahap["tahun"] == 2022]
    # the 2021 group at unit 0 takes 7 of its 9; a second group there takes the other 2
    assert dict(zip(t["nama"], t["clients_reached"], strict=True)) == {
        "Kel 2": 7,
        "Kel 4": 7,
        "Kel 0": 2,
    }


def test_budget_per_year_and_publishing():
    kel = line_kelurahan(unserved=(9, 0, 9, 0, 8))
    sc = scen(phases=[{"year": 2021, "budget": 1.0}, {"year": 2022, "budget": 2.0}])
    ph = plan_phases(kel, sc, yearly_unserved=yearly())
    assert list(ph.years["groups_requested"]) == [1, 2]
    assert len(ph.tahap) == 3
    # published: the same decisions, each year's figures from the published demand (here 2021's
    # 6 published as 7 = k, 2022's 9, 9, 8 as 10, 8, 8)
    dem = {2021: [7, 0, 0, 0, 0], 2022: [10, 0, 8, 0, 8]}
    pub = phases_for_demand(ph, sc, {y: pd.Series(v).to_numpy(float) for y, v in dem.items()})
    t = pub.tahap
    assert list(t["nama"]) == list(ph.tahap["nama"])  # the decisions stay
    assert list(t["clients_reached"]) == [7, 8, 8] and list(t["cumulative_reached"]) == [7, 15, 23]


def test_phases_are_validated():
    from ibm_geo.config import validate_scenario

    def codes(phases) -> list[str]:
        with pytest.raises(UserError) as e:
            validate_scenario({"plan": {"phases": phases}})
        return [p.code for p in e.value.problems]

    assert codes([{"year": 2022, "groups": 1}, {"year": 2021, "groups": 1}]) == [
        "scenario.phase_years"
    ]
    assert codes([{"year": 2022}]) == ["scenario.phase_limit"]


def test_published_years_and_curves_come_from_published_demand():
    """Every published phase figure (per group, per year, the curves) is the working tier's
    table builder applied to the published demand: no exact count leaves."""
    kel = line_kelurahan(unserved=(9, 0, 9, 0, 8))
    ph = plan_phases(kel, scen(), yearly_unserved=yearly())
    dem = {2021: [5, 0, 0, 0, 0], 2022: [10, 0, 8, 0, 9]}
    pub = phases_for_demand(ph, scen(), {y: pd.Series(v).to_numpy(float) for y, v in dem.items()})
    y = pub.years.set_index("tahun")
    assert y["demand"].tolist() == [5, 27]
    assert y.loc[2021, "reached_new"] == 5 and y.loc[2022, "covered_after"] == 27
    c = pub.curves
    assert c.loc[c["tahun"] == 2022, "covered"].tolist() == [10, 19, 27, 27]
