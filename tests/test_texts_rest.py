"""Texts that moved from module tables into ibm_geo/locales read as before, in both languages,
and a one-language workbook holds one language (issue 24)."""

from __future__ import annotations

import io

import _fixtures as fx
import openpyxl
import pytest

from ibm_geo.config import Scenario
from ibm_geo.distance import distance_method
from ibm_geo.export.tables import workbook_xlsx
from ibm_geo.plan.reach import reach_text
from ibm_geo.plan.recruitment import ordinals
from ibm_geo.privacy import disclosure_method, suppression_rule, value_kind
from ibm_geo.publish import publish_table


@pytest.mark.parametrize(
    ("first", "last", "id_", "en"),
    [
        (3, 3, "kelompok ke-3", "group 3"),
        (3, 4, "kelompok ke-3 dan ke-4", "groups 3 and 4"),
        (3, 1200, "kelompok ke-3 sampai ke-1.200", "groups 3 to 1,200"),
    ],
)
def test_group_ordinals(first, last, id_, en):
    assert ordinals(first, last, "id") == id_ and ordinals(first, last, "en") == en


def test_reach_and_distance_sentences():
    road = Scenario.model_validate(
        {"roads": {"distance": "road", "travel": "walk", "threshold": "time", "max_minutes": 20}}
    )
    assert distance_method(Scenario(), "id") == "garis lurus"
    assert distance_method(road, "id") == (
        "jaringan jalan (jalan kaki, 20 menit); (c) OpenStreetMap contributors"
    )
    assert distance_method(road, "en") == (
        "road network (walking, 20 min); (c) OpenStreetMap contributors"
    )
    radius = Scenario.model_validate({"plan": {"reach": "radius"}, "radius_m": 2500})
    assert reach_text(radius, "id") == "model radius: kelompok melayani klien dalam radius 2.5 km"
    assert reach_text(Scenario(), "en") == "village model: a group serves its own kelurahan/desa"


def test_protection_sentences_and_value_kinds():
    assert suppression_rule(5, "id").startswith(
        "Angka publikasi diberi derau kecil (paling banyak ±"
    )
    assert "counts 1 to 4 become 0 or 5); places with fewer than 5 clients show <5." in (
        suppression_rule(5, "en")
    )
    assert disclosure_method(5, "id").startswith("metode kunci sel (cell key method): tabel")
    assert value_kind("AGEN-770", "id") == "teks, 8 karakter"
    assert value_kind("12345", "en") == "number, 5 digits"
    assert value_kind("", "id") == "kosong"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_workbook_pilots_sheet_holds_the_readers_language_only(lang):
    pilots = fx.make_pilots()
    pilots["comparison_reason_id"] = "alasan"
    pilots["comparison_reason_en"] = "reason"
    kel, sc = fx.make_kelurahan(), fx.scenario()
    pub = publish_table(kel, sc, sites=fx.make_sites(), pilots=pilots, lang=lang)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_xlsx(pub, lang=lang)))
    sheet = wb["desa percontohan" if lang == "id" else "pilots"]
    head = [c.value for c in sheet[1]]
    values = {c.value for r in sheet.iter_rows(min_row=2) for c in r}
    assert len(head) == len(set(head))
    assert ("alasan" in values, "reason" in values) == (lang == "id", lang == "en")
    if lang == "id":
        assert "Alasan pembanding" in head and not any("Inggris" in str(h) for h in head)
    else:
        assert "comparison_reason_en" in head and "comparison_reason_id" not in head
