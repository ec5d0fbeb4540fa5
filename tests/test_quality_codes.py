"""Quality rows as codes with parameters (issue 24): recorded once, read in either language."""

from __future__ import annotations

import pickle

from ibm_geo.quality import DataQuality, Msg, from_key, msgs_frame, render
from ibm_geo.quality_text import localize_quality


def test_a_message_keeps_its_code_and_parameters_and_renders_numbers_per_language():
    m = Msg("capacity_above", limit=1_000_000)
    assert from_key(m.key).code == "capacity_above" and from_key(m.key).params == m.params
    assert m.render("en") == "capacity above 1,000,000"
    assert render(m.key, "id") == "kapasitas di atas 1.000.000"
    assert render(None, "id") is None


def test_quality_table_keeps_english_and_the_code_and_reads_in_indonesian():
    q = DataQuality()
    q.add("klien.csv", 3, "lat", Msg("latlon_swapped"), "115.2, -8.7", Msg("swapped_latlon"))
    q.add_many("klien.csv", [4, 5], "tahun_rehab", Msg("year_outside", first="2000", last="2026"))
    q.add("klien.csv", 6, None, "a note written as text", None, "kept")  # no code: as it is
    f = q.to_frame()
    assert f["problem"].tolist() == [
        "lat/lon look swapped",
        "year outside 2000..2026",
        "year outside 2000..2026",
        "a note written as text",
    ]
    assert f["_problem"].notna().tolist() == [True, True, True, False]
    people = localize_quality(f, "id")
    assert list(people.columns) == ["Berkas", "Baris", "Kolom", "Masalah", "Nilai", "Tindakan"]
    assert people["Masalah"].tolist() == [
        "lintang/bujur tampak tertukar",
        "tahun di luar 2000..2026",
        "tahun di luar 2000..2026",
        "a note written as text",
    ]
    assert people["Tindakan"].tolist()[0] == "lintang/bujur ditukar"
    # the frame crosses the parse guard's process boundary by pickling
    back = pickle.loads(pickle.dumps(f))
    assert localize_quality(back, "id")["Masalah"].tolist() == people["Masalah"].tolist()


def test_per_row_messages_render_once_per_distinct_message():
    places = [Msg("coordinates_elsewhere", place=f"Desa {i % 3}") for i in range(9)]
    cols = msgs_frame(places, [Msg("used_coordinates")] * 9)
    assert cols["problem"][4] == "coordinates lie in Desa 1, not in the written kelurahan"
    assert len(set(cols["_problem"])) == 3 and set(cols["action"]) == {"used the coordinates"}
