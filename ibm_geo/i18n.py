"""Tiny dict-based translator: Bahasa Indonesia by default (rakor audience), English on request.

``t(key, lang="id", **fmt)`` returns the text for ``key`` (formatted with ``fmt``); an unknown key
returns the key itself so a missing translation is visible but never crashes an export. Other
modules add keys with :func:`register`.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

LANGS = ("id", "en")

_TEXT: dict[str, dict[str, str]] = {
    # map layers and legend
    "layer.score": {"id": "Skor kebutuhan", "en": "Need score"},
    "layer.unserved": {"id": "Klien belum terlayani", "en": "Unserved clients"},
    "layer.agents": {
        "id": "Agen pemulihan aktif (per kelurahan)",
        "en": "Active recovery agents (per village)",
    },
    "layer.sites": {"id": "Usulan lokasi rekrutmen agen", "en": "Proposed recruitment sites"},
    "layer.pilots": {"id": "Desa percontohan", "en": "Pilot villages"},
    "layer.service_points": {
        "id": "Titik layanan (BNNP/BNNK/klinik)",
        "en": "Service points (BNNP/BNNK/clinic)",
    },
    "layer.boundaries": {"id": "Batas wilayah", "en": "Boundaries"},
    "layer.change": {
        "id": "Perubahan belum terlayani sejak rakor lalu",
        "en": "Change in unserved since the last rakor",
    },
    "legend.change": {
        "id": "Perubahan belum terlayani sejak rakor lalu",
        "en": "Change in unserved since the last rakor",
    },
    "change.naik": {"id": "Naik", "en": "Up"},
    "change.turun": {"id": "Turun", "en": "Down"},
    "change.tetap": {"id": "Tetap", "en": "Unchanged"},
    "change.tidak pasti": {
        "id": "Tidak diketahui (angka disembunyikan)",
        "en": "Unknown (a figure is hidden)",
    },
    "change.tip": {
        "id": "{before} → {now} (perubahan {change})",
        "en": "{before} → {now} (change {change})",
    },
    "legend.score": {"id": "Skor kebutuhan (0-100)", "en": "Need score (0-100)"},
    "legend.unserved": {"id": "Klien belum terlayani (orang)", "en": "Unserved clients (people)"},
    "legend.radius": {
        "id": "Lingkaran = jangkauan {radius} km",
        "en": "Circle = {radius} km reach",
    },
    "legend.service_area": {
        "id": "Garis = terjangkau lewat jalan dalam {limit} (OpenStreetMap)",
        "en": "Outline = reached by road within {limit} (OpenStreetMap)",
    },
    "legend.nodata": {"id": "Tanpa data", "en": "No data"},
    "legend.circle_note": {"id": "luas lingkaran ~ jumlah; maks", "en": "circle area ~ count; max"},
    # fields
    "field.nama": {"id": "Kelurahan/Desa", "en": "Village"},
    "field.kode": {"id": "Kode", "en": "Code"},
    "field.kecamatan": {"id": "Kecamatan", "en": "District"},
    "field.kab_kota": {"id": "Kab/Kota", "en": "Regency/City"},
    "field.score": {"id": "Skor", "en": "Score"},
    "field.rank": {"id": "Peringkat", "en": "Rank"},
    "field.priority_label": {"id": "Prioritas", "en": "Priority"},
    "field.clients": {"id": "Klien", "en": "Clients"},
    "field.served": {"id": "Terlayani", "en": "Served"},
    "field.in_reach": {"id": "Dalam jangkauan agen", "en": "Within agent reach"},
    "field.referral_berat": {"id": "Rujukan BNNP (berat)", "en": "BNNP referral (severe)"},
    "field.unserved": {"id": "Belum terlayani", "en": "Unserved"},
    "field.unserved_share": {"id": "Porsi belum terlayani", "en": "Unserved share"},
    "field.agents_active": {"id": "Agen aktif", "en": "Active agents"},
    "field.service_points": {"id": "Titik layanan", "en": "Service points"},
    "field.dist_nearest_m": {
        "id": "Jarak ke agen/layanan terdekat (m)",
        "en": "Distance to nearest agent/service (m)",
    },
    "field.reason": {"id": "Alasan", "en": "Reason"},
    "field.stability": {"id": "Stabilitas", "en": "Stability"},
    "field.agents_to_recruit": {"id": "Agen direkrut", "en": "Agents to recruit"},
    "field.newly_reached": {"id": "Klien baru terjangkau", "en": "Newly reached clients"},
    "field.phase_year": {"id": "Tahap (tahun anggaran)", "en": "Phase (budget year)"},
    "field.reach_names": {"id": "Menjangkau desa/kelurahan", "en": "Reaches villages"},
    "field.reach_clients": {"id": "Klien terjangkau", "en": "Clients reached"},
    "field.source": {"id": "Dasar pemilihan", "en": "Chosen from"},
    "field.comparison_reason_id": {"id": "Alasan pembanding", "en": "Comparison note"},
    "field.comparison_reason_en": {"id": "Alasan pembanding (EN)", "en": "Comparison note"},
    "field.chosen_by": {"id": "Dipilih oleh", "en": "Chosen by"},
    "field.mean_distance_m": {"id": "Jarak rata-rata (m)", "en": "Mean distance (m)"},
    "field.contribution_rank": {"id": "Urutan kontribusi", "en": "Contribution rank"},
    "field.comparison": {"id": "Desa pembanding", "en": "Comparison village"},
    # every other column of a table people read (XLSX sheets, app tables): the one header-label
    # mapping, read through :func:`column_label`; CSV files keep the machine names
    "field.jenis": {"id": "Jenis", "en": "Type"},
    "field.provinsi": {"id": "Provinsi", "en": "Province"},
    "field.rep_lon": {"id": "Bujur titik wakil", "en": "Representative point longitude"},
    "field.rep_lat": {"id": "Lintang titik wakil", "en": "Representative point latitude"},
    "field.status_belum": {"id": "Status: belum pascarehab", "en": "Status: not yet followed up"},
    "field.status_aktif": {"id": "Status: pascarehab aktif", "en": "Status: in follow-up"},
    "field.status_selesai": {"id": "Status: pascarehab selesai", "en": "Status: follow-up done"},
    "field.status_putus": {"id": "Status: putus", "en": "Status: dropped out"},
    "field.status_unknown": {"id": "Status: tidak diketahui", "en": "Status: unknown"},
    "field.tingkat_ringan": {"id": "Tingkat: ringan", "en": "Severity: mild"},
    "field.tingkat_sedang": {"id": "Tingkat: sedang", "en": "Severity: moderate"},
    "field.tingkat_berat": {"id": "Tingkat: berat", "en": "Severity: severe"},
    "field.rawat_jalan": {"id": "Rawat jalan", "en": "Outpatient"},
    "field.rawat_inap": {"id": "Rawat inap", "en": "Inpatient"},
    "field.unserved_recent": {
        "id": "Belum terlayani, direhabilitasi baru-baru ini",
        "en": "Unserved, recently rehabilitated",
    },
    "field.agents_total": {"id": "Agen (semua)", "en": "Agents (all)"},
    "field.agent_capacity": {"id": "Kapasitas agen", "en": "Agent capacity"},
    "field.agent_spare": {"id": "Sisa kapasitas agen", "en": "Spare agent capacity"},
    "field.priority_class": {"id": "Kelas prioritas", "en": "Priority class"},
    "field.reason_id": {"id": "Alasan", "en": "Reason (Indonesian)"},
    "field.reason_en": {"id": "Alasan (bahasa Inggris)", "en": "Reason"},
    "field.comparison_kode": {"id": "Kode desa pembanding", "en": "Comparison village code"},
    "field.comparison_nama": {"id": "Desa pembanding", "en": "Comparison village"},
    "field.solver": {"id": "Metode perhitungan", "en": "Solver"},
    "field.p": {"id": "Kelompok agen baru", "en": "New agent groups"},
    "field.covered": {"id": "Klien terjangkau", "en": "Clients reached"},
    "field.marginal": {"id": "Tambahan klien", "en": "Additional clients"},
    "field.method": {"id": "Cara pencocokan", "en": "Matching method"},
    "field.names": {"id": "Jumlah nama", "en": "Names"},
    "field.key": {"id": "Kunci", "en": "Key"},
    "field.value": {"id": "Nilai", "en": "Value"},
    "field.setting": {"id": "Pengaturan", "en": "Setting"},
    # monitoring tables (progress, trend, summary, change, rw)
    "field.area": {"id": "Wilayah", "en": "Area"},
    "field.area_level": {"id": "Tingkat", "en": "Level"},
    "field.year": {"id": "Tahun", "en": "Year"},
    "field.indicator": {"id": "Indikator", "en": "Indicator"},
    "field.achieved": {"id": "Capaian", "en": "Achieved"},
    "field.target": {"id": "Target", "en": "Target"},
    "field.percent": {"id": "Persen", "en": "Percent"},
    "field.basis": {"id": "Dasar hitung", "en": "Basis"},
    "field.followed_up": {"id": "Ikut pascarehab", "en": "In follow-up"},
    "field.capacity": {"id": "Kapasitas agen", "en": "Agent capacity"},
    "field.capacity_gap": {"id": "Kekurangan kapasitas", "en": "Capacity gap"},
    "field.ibm_villages": {"id": "Desa IBM", "en": "IBM villages"},
    "field.unserved_before": {"id": "Belum terlayani (lalu)", "en": "Unserved (before)"},
    "field.unserved_now": {"id": "Belum terlayani (kini)", "en": "Unserved (now)"},
    "field.change": {"id": "Perubahan", "en": "Change"},
    "field.rw": {"id": "RW", "en": "RW"},
    # manifest lines (the Indonesian workbook labels its keys)
    "field.manifest_kind": {"id": "Jenis berkas", "en": "Kind"},
    "field.manifest_generator": {"id": "Dibuat dengan", "en": "Generator"},
    "field.manifest_created_utc": {"id": "Dibuat (UTC)", "en": "Created (UTC)"},
    "field.manifest_scenario_name": {"id": "Nama skenario", "en": "Scenario name"},
    "field.manifest_scenario_toml": {"id": "Skenario (TOML)", "en": "Scenario (TOML)"},
    "field.manifest_suppression_k": {"id": "Ambang sembunyi (k)", "en": "Suppression k"},
    "field.manifest_suppression_rule": {"id": "Aturan perlindungan data", "en": "Suppression rule"},
    "field.manifest_contains": {"id": "Isi", "en": "Contains"},
    "field.manifest_distance_method": {"id": "Cara mengukur jarak", "en": "Distance method"},
    "field.manifest_units": {"id": "Jumlah kelurahan/desa", "en": "Units"},
    "field.manifest_sheets": {"id": "Lembar", "en": "Sheets"},
    "field.manifest_disclosure_method": {
        "id": "Metode perlindungan angka",
        "en": "Disclosure control method",
    },
    "field.manifest_plan_reach": {"id": "Model jangkauan rencana", "en": "Plan's reach model"},
    "field.manifest_plan_groups": {"id": "Kelompok yang diminta", "en": "Groups requested"},
    "field.manifest_indicator_definitions": {
        "id": "Arti setiap indikator",
        "en": "What each indicator means",
    },
    "field.manifest_agent_progress_basis": {
        "id": "Dasar hitung agen dan desa IBM",
        "en": "Basis of the agent figures",
    },
    # how a written place name was matched (``matching.METHODS``)
    "match.code": {"id": "kode", "en": "code"},
    "match.exact": {"id": "cocok persis", "en": "exact"},
    "match.normalised": {"id": "ejaan dinormalkan", "en": "normalised"},
    "match.fuzzy": {"id": "mirip (fuzzy)", "en": "fuzzy"},
    "match.point": {"id": "koordinat", "en": "coordinates"},
    "match.unmatched": {"id": "tidak cocok", "en": "unmatched"},
    "match.ambiguous": {"id": "ambigu (lebih dari satu)", "en": "ambiguous"},
    "match.chosen": {"id": "dipilih perencana", "en": "chosen by planner"},
    "match.unknown": {"id": "tidak diketahui", "en": "unknown"},
    "match.all": {"id": "semua", "en": "all"},
    # values of the monitoring tables' area_level
    "level.provinsi": {"id": "Provinsi", "en": "Province"},
    "level.kab_kota": {"id": "Kab/Kota", "en": "Regency/City"},
    "level.kecamatan": {"id": "Kecamatan", "en": "District"},
    # titles and notes
    "title.map": {"id": "Peta kebutuhan Agen Pemulihan", "en": "Recovery agent need map"},
    "title.slides": {
        "id": "Perencanaan Agen Pemulihan (IBM)",
        "en": "Recovery agent planning (IBM)",
    },
    "slide.map": {"id": "Peta skor kebutuhan", "en": "Need score map"},
    "slide.top": {"id": "{n} kelurahan/desa prioritas", "en": "Top {n} villages"},
    "slide.plan": {"id": "Rencana rekrutmen agen", "en": "Agent recruitment plan"},
    "slide.curve": {"id": "Kurva cakupan", "en": "Coverage curve"},
    "slide.pilots": {"id": "Desa percontohan", "en": "Pilot villages"},
    "slide.method": {"id": "Metode dan kualitas data", "en": "Method and data quality"},
    "curve.x": {"id": "Kelompok agen baru", "en": "New agent groups"},
    "curve.y": {"id": "Klien terjangkau", "en": "Clients reached"},
    "note.source": {
        "id": "Sumber: data klien & agen BNN (agregat per kelurahan), batas wilayah Kemendagri",
        "en": "Sources: BNN client & agent data (aggregated per village), Kemendagri boundaries",
    },
    "note.scenario": {"id": "Skenario", "en": "Scenario"},
    "note.date": {"id": "Tanggal", "en": "Date"},
    "note.none": {"id": "(tidak ada)", "en": "(none)"},
    "method.weights": {"id": "Bobot skor", "en": "Score weights"},
    "method.radius": {"id": "Radius layanan agen", "en": "Agent service radius"},
    "method.capacity": {"id": "Kapasitas per agen", "en": "Capacity per agent"},
    "method.suppression": {"id": "Perlindungan data", "en": "Data protection"},
    "method.quality": {"id": "Masalah kualitas data", "en": "Data-quality problems"},
    "method.unmatched": {"id": "Nama wilayah tidak cocok", "en": "Unmatched area names"},
    "method.units": {"id": "Jumlah kelurahan/desa", "en": "Number of villages"},
    "sheet.ranking": {"id": "peringkat", "en": "ranking"},
    "north": {"id": "U", "en": "N"},
}


def t(key: str, lang: str = "id", **fmt: object) -> str:
    """Text for ``key`` in ``lang`` (falls back to Indonesian, then to the key)."""
    entry = _TEXT.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("id") or key
    return text.format(**fmt) if fmt else text


def column_label(column: object, lang: str = "id") -> str:
    """The header people read for a table column (``field.<column>``), so the XLSX sheets, the
    app tables and the slides name a column alike; a column without a text keeps its name."""
    key = f"field.{column}"
    text = t(key, lang)
    return str(column) if text == key else text


def register(entries: dict[str, dict[str, str]]) -> None:
    """Add or override keys (e.g. from the app)."""
    for key, langs in entries.items():
        _TEXT.setdefault(key, {}).update(langs)


def keys() -> list[str]:
    return sorted(_TEXT)


try:  # pandas' missing value, when pandas is there (it always is in ibm-geo)
    from pandas import NA as pd_NA
except ImportError:  # pragma: no cover
    pd_NA = object()

#: Indonesian swaps the English separators: ``1,300.5`` -> ``1.300,5``
_ID_SEPARATORS = str.maketrans({",": ".", ".": ","})


def fmt_num(v: object, lang: str = "id", decimals: int = 0) -> str:
    """A number as the reader writes it: ``1300`` -> ``1.300`` (id) / ``1,300`` (en); ``61.13``
    with 1 decimal -> ``61,1`` / ``61.1``. The one number formatter of every text people read
    (reasons, maps, deck, XLSX text, CLI), so no output mixes ``61.1`` with ``1.300``.

    Strings (a hidden count ``*``) pass through unchanged; None/NaN give ``"–"``.
    """
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, str):
        return v
    if not isinstance(v, numbers.Number):
        return "–" if str(v) == "<NA>" else str(v)
    s = f"{v:,.{decimals}f}" if decimals else f"{round(float(v)):,d}"
    return s.translate(_ID_SEPARATORS) if lang == "id" else s


def fmt_nums(values, lang: str = "id", decimals: int = 0) -> list[str]:
    """:func:`fmt_num` of every value of a column, without a call per value (a national
    table's reasons format about a million numbers): the same text, value by value.

    A whole-number column is formatted by one ``format`` per value and one translate (a
    national rank column: 83k distinct values); any other column once per distinct value
    (counts, bands and rounded scores repeat a lot).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=None)
    if not len(s):
        return []
    if decimals == 0 and pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return _join_translate(map("{:,d}".format, s.tolist()), lang)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u = np.asarray(uniques)
    if (
        u.dtype.kind == "f" and len(u) and (np.abs(u) < 2**53).all()
    ):  # the same format calls as fmt_num's
        if decimals:
            texts = _join_translate(map(f"{{:,.{decimals}f}}".format, u.tolist()), lang)
        else:
            texts = _join_translate(map("{:,d}".format, np.rint(u).astype(np.int64).tolist()), lang)
    else:
        texts = [fmt_num(v, lang, decimals) for v in uniques]
    return np.asarray([*texts, "\u2013"], dtype=object)[codes].tolist()


def _join_translate(texts, lang: str) -> list[str]:
    """English-formatted numbers in the reader's separators: one translate over the joined
    text instead of one per number."""
    texts = list(texts)
    if lang != "id" or not texts:
        return texts
    return "\n".join(texts).translate(_ID_SEPARATORS).split("\n")


def fmt_kms(metres, lang: str = "id") -> list[str]:
    """:func:`fmt_km` of every value of a column (see :func:`fmt_nums`)."""
    m = np.array([np.nan if v is None else v for v in metres], dtype=float)
    nums = fmt_nums(m / 1000, lang, 1)
    return ["-" if v != v else f"{t} km" for v, t in zip(m.tolist(), nums, strict=True)]


def fmt_km(metres: float | None, lang: str = "id") -> str:
    """A distance in metres as kilometres with one decimal: ``8000`` -> ``8,0 km`` (id)."""
    if metres is None or metres != metres:
        return "-"
    return f"{fmt_num(float(metres) / 1000, lang, 1)} km"
