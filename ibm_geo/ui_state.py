"""UI-free helpers for ``app.py``: widget state <-> Scenario, cache keys, the in-app map, tables.

Kept out of the Streamlit script so they can be unit-tested and so the script stays a thin shell
(read widgets, call the package, show results). Never imports streamlit.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
from pathlib import Path

import folium
import numpy as np
import pandas as pd

from .config import STATUSES, Scenario
from .i18n import register, t
from .scoring import COMPONENTS

# ---------------------------------------------------------------------------------------- texts
APP_TEXT: dict[str, dict[str, str]] = {
    "app.title": {"id": "Perencana Agen Pemulihan (IBM)", "en": "Recovery Agent Planner (IBM)"},
    "app.demo_banner": {
        "id": "Data contoh: batas kelurahan/desa hanya perkiraan (bukan batas resmi) dan data klien "
        "sepenuhnya sintetis.",
        "en": "Demo data: village boundaries are approximate (not official) and the clients are "
        "entirely synthetic.",
    },
    "app.lang": {"id": "Bahasa", "en": "Language"},
    "app.step": {"id": "Langkah", "en": "Step"},
    "step.data": {"id": "1. Data", "en": "1. Data"},
    "step.map": {"id": "2. Peta", "en": "2. Map"},
    "step.score": {"id": "3. Skor", "en": "3. Score"},
    "step.plan": {"id": "4. Rencana", "en": "4. Plan"},
    "step.export": {"id": "5. Ekspor", "en": "5. Export"},
    "auth.password": {"id": "Kata sandi", "en": "Password"},
    "auth.enter": {"id": "Masuk", "en": "Log in"},
    "auth.wrong": {"id": "Kata sandi salah.", "en": "Wrong password."},
    "auth.login_oidc": {"id": "Masuk dengan akun kantor", "en": "Log in with office account"},
    "auth.logout": {"id": "Keluar", "en": "Log out"},
    "data.source": {"id": "Sumber data", "en": "Data source"},
    "data.demo": {"id": "Gunakan data contoh", "en": "Use the demo data"},
    "data.upload": {"id": "Unggah berkas sendiri", "en": "Upload my own files"},
    "data.boundaries": {
        "id": "Batas kelurahan/desa (GeoJSON, GPKG, SHP zip, Parquet, SQL)",
        "en": "Village boundaries (GeoJSON, GPKG, zipped SHP, Parquet, SQL)",
    },
    "data.clients": {"id": "Daftar klien (CSV/XLSX)", "en": "Client list (CSV/XLSX)"},
    "data.agents": {"id": "Daftar Agen Pemulihan (CSV/XLSX)", "en": "Recovery agents (CSV/XLSX)"},
    "data.service_points": {
        "id": "Titik layanan: BNNP/BNNK, klinik, IPWL, puskesmas (CSV/XLSX)",
        "en": "Service points: BNNP/BNNK, clinics, IPWL, puskesmas (CSV/XLSX)",
    },
    "data.process": {"id": "Proses data", "en": "Process data"},
    "data.need_both": {
        "id": "Unggah minimal batas wilayah dan daftar klien.",
        "en": "Upload at least the boundaries and the client list.",
    },
    "data.loading": {"id": "Membaca dan mencocokkan data...", "en": "Reading and matching data..."},
    "data.error": {
        "id": "Berkas '{file}' tidak dapat dipakai{col}: {msg}. Data sebelumnya tetap dipakai.",
        "en": "File '{file}' cannot be used{col}: {msg}. The previous data stays in use.",
    },
    "data.error_col": {"id": " (kolom '{col}')", "en": " (column '{col}')"},
    "data.mapping": {
        "id": "Kolom di '{file}' tidak dikenali. Pilih kolom mana yang berisi setiap isian:",
        "en": "Columns in '{file}' were not recognised. Choose which column holds each field:",
    },
    "data.mapping_none": {"id": "(tidak ada)", "en": "(none)"},
    "data.retry": {"id": "Coba lagi dengan pemetaan kolom ini", "en": "Retry with this mapping"},
    "data.loaded": {"id": "Data dimuat: {sources}", "en": "Data loaded: {sources}"},
    "q.title": {"id": "Laporan kualitas data", "en": "Data-quality report"},
    "q.table": {"id": "Tabel", "en": "Table"},
    "q.read": {"id": "Baris dibaca", "en": "Rows read"},
    "q.matched": {"id": "Cocok", "en": "Matched"},
    "q.ambiguous": {"id": "Ambigu", "en": "Ambiguous"},
    "q.unmatched": {"id": "Tidak cocok", "en": "Unmatched"},
    "q.outside": {"id": "Di luar wilayah", "en": "Outside the area"},
    "q.swapped": {"id": "Koordinat tertukar (diperbaiki)", "en": "Swapped coordinates (fixed)"},
    "q.fuzzy": {"id": "Nama mirip (perlu dicek)", "en": "Approximate names (check)"},
    "q.problems": {"id": "Semua masalah per baris", "en": "All problems by row"},
    "q.download": {"id": "Unduh laporan kualitas (CSV)", "en": "Download quality report (CSV)"},
    "q.choose": {
        "id": "Nama wilayah yang perlu dipilih: pilih kelurahan/desa yang benar lalu terapkan.",
        "en": "Place names to resolve: pick the right village, then apply.",
    },
    "q.keep": {"id": "(biarkan)", "en": "(leave)"},
    "q.more": {
        "id": "Menampilkan {n} dari {total} nama (yang paling banyak barisnya dulu); sisanya ada "
        "di matches.csv dan muncul di sini setelah pilihan ini diterapkan.",
        "en": "Showing {n} of {total} names (most rows first); the rest are in matches.csv and "
        "come up here once these choices are applied.",
    },
    "q.apply": {"id": "Terapkan pilihan", "en": "Apply choices"},
    "q.none": {"id": "Tidak ada masalah kualitas data.", "en": "No data-quality problems."},
    "f.title": {"id": "Filter dan asumsi", "en": "Filters and assumptions"},
    "f.prov": {"id": "Provinsi (BNNP)", "en": "Province (BNNP)"},
    "f.kab": {"id": "Kab/Kota (BNNK)", "en": "Regency/City (BNNK)"},
    "f.kec": {"id": "Kecamatan", "en": "District"},
    "f.all": {"id": "Semua", "en": "All"},
    "f.years": {"id": "Tahun rehabilitasi", "en": "Rehab year"},
    "f.status": {"id": "Status pascarehabilitasi", "en": "Post-rehab status"},
    "f.radius": {"id": "Radius layanan agen (m)", "en": "Agent service radius (m)"},
    "f.capacity": {"id": "Kapasitas klien per agen", "en": "Clients per agent"},
    "m.summary": {
        "id": "{clients} klien, {unserved} belum terlayani, {agents} agen aktif",
        "en": "{clients} clients, {unserved} unserved, {agents} active agents",
    },
    "m.show_clients": {
        "id": "Tampilkan titik klien (hanya di aplikasi, tidak pernah diekspor)",
        "en": "Show client points (in the app only, never exported)",
    },
    "m.pick": {"id": "Pilih kelurahan/desa", "en": "Choose a village"},
    "m.truncated": {
        "id": "Peta menampilkan {n} dari {total} kelurahan/desa dengan peringkat tertinggi. "
        "Pilih provinsi atau kab/kota di samping untuk peta lengkap.",
        "en": "The map shows the {n} highest-ranked of {total} villages. Choose a province or "
        "regency/city in the sidebar for the full map.",
    },
    "m.why": {"id": "Mengapa di peringkat ini", "en": "Why ranked here"},
    "m.component": {"id": "Komponen", "en": "Component"},
    "m.value": {"id": "Nilai (0-1)", "en": "Value (0-1)"},
    "m.points": {"id": "Poin", "en": "Points"},
    "m.clients_layer": {"id": "Klien (kelompok)", "en": "Clients (clustered)"},
    "s.weights": {"id": "Bobot skor", "en": "Score weights"},
    "s.weights_help": {
        "id": "Hanya perbandingan bobot yang berpengaruh. Peringkat diperbarui tanpa menghitung ulang "
        "pencocokan wilayah.",
        "en": "Only the ratios matter. The ranking updates without redoing the spatial join.",
    },
    "w.unserved_count": {
        "id": "Jumlah klien belum terlayani",
        "en": "Number of unserved clients",
    },
    "w.unserved_count.help": {
        "id": "Makin banyak klien tanpa pendampingan, makin tinggi skor.",
        "en": "More clients without follow-up -> higher score.",
    },
    "w.unserved_share": {"id": "Porsi belum terlayani", "en": "Unserved share"},
    "w.unserved_share.help": {
        "id": "Bagian klien di desa itu yang belum terlayani (0-100%).",
        "en": "Share of the village's clients who are unserved.",
    },
    "w.recency": {"id": "Baru selesai rehabilitasi", "en": "Recent rehab"},
    "w.recency.help": {
        "id": "Klien yang baru selesai rehabilitasi paling butuh pendampingan.",
        "en": "Clients who left rehab recently need follow-up most.",
    },
    "w.distance": {"id": "Jarak ke agen/layanan", "en": "Distance to agent/service"},
    "w.distance.help": {
        "id": "Jauh dari agen aktif atau titik layanan terdekat -> skor lebih tinggi.",
        "en": "Far from the nearest active agent or service point -> higher score.",
    },
    "w.presence": {"id": "Belum ada agen di desa", "en": "No agents in the village"},
    "w.presence.help": {
        "id": "Desa tanpa (cukup) Agen Pemulihan mendapat poin tambahan.",
        "en": "Villages without (enough) agents get extra points.",
    },
    "s.classification": {"id": "Pembagian kelas prioritas", "en": "Priority classes"},
    "s.quantiles": {"id": "Kuantil", "en": "Quantiles"},
    "s.natural_breaks": {"id": "Jenks (natural breaks)", "en": "Natural breaks"},
    "s.fixed": {"id": "Batas tetap", "en": "Fixed breaks"},
    "s.n_classes": {"id": "Jumlah kelas", "en": "Number of classes"},
    "s.top_n": {"id": "Jumlah teratas (N)", "en": "Top N"},
    "s.top_title": {"id": "{n} kelurahan/desa prioritas", "en": "Top {n} villages"},
    "s.stability_help": {
        "id": "Stabilitas = seberapa sering desa tetap di N teratas bila bobot digeser sedikit.",
        "en": "Stability = how often the village stays in the top N when weights are perturbed.",
    },
    "p.model": {"id": "Model", "en": "Model"},
    "p.mclp": {
        "id": "Jangkau klien sebanyak mungkin (MCLP)",
        "en": "Reach as many clients as possible (MCLP)",
    },
    "p.lscp": {"id": "Jumlah lokasi minimum (LSCP)", "en": "Fewest sites (LSCP)"},
    "p.pmedian": {
        "id": "Jarak rata-rata terkecil (p-median)",
        "en": "Shortest distance (p-median)",
    },
    "p.mode": {"id": "Batasan", "en": "Limit by"},
    "p.by_p": {"id": "Jumlah kelompok agen", "en": "Number of agent groups"},
    "p.by_budget": {"id": "Anggaran", "en": "Budget"},
    "p.p": {"id": "Kelompok agen baru", "en": "New agent groups"},
    "p.budget": {"id": "Anggaran total", "en": "Total budget"},
    "p.cost": {"id": "Biaya per lokasi", "en": "Cost per site"},
    "p.radius": {"id": "Radius rencana (m)", "en": "Planning radius (m)"},
    "p.capacity": {
        "id": "Kapasitas klien per kelompok baru (0 = tanpa batas)",
        "en": "Clients per new group (0 = unlimited)",
    },
    "p.keep": {"id": "Pertahankan agen yang ada", "en": "Keep existing agents"},
    "p.quota": {"id": "Kuota per BNNK (kab/kota)", "en": "Quota per BNNK (regency/city)"},
    "p.min": {"id": "Minimal", "en": "Minimum"},
    "p.max": {"id": "Maksimal", "en": "Maximum"},
    "p.run": {"id": "Jalankan rencana", "en": "Run the plan"},
    "p.running": {"id": "Menghitung rencana rekrutmen...", "en": "Computing the plan..."},
    "p.unavailable": {
        "id": "Modul perencanaan belum tersedia di versi ini.",
        "en": "The planning module is not available in this version.",
    },
    "p.sites": {"id": "Usulan lokasi rekrutmen", "en": "Proposed recruitment sites"},
    "p.none": {"id": "Tidak ada lokasi yang diusulkan.", "en": "No site proposed."},
    "p.curve": {"id": "Kurva cakupan", "en": "Coverage curve"},
    "p.method": {
        "id": "Metode: {method}; tujuan {objective}; batas {bound}; selisih {gap}",
        "en": "Method: {method}; objective {objective}; bound {bound}; gap {gap}",
    },
    "p.pilots": {"id": "Desa percontohan per BNNK", "en": "Pilot villages per BNNK"},
    "p.per_kab": {"id": "Percontohan per kab/kota", "en": "Pilots per regency/city"},
    "p.compare": {"id": "Bandingkan dua skenario", "en": "Compare two scenarios"},
    "p.save_a": {"id": "Simpan sebagai skenario A", "en": "Save as scenario A"},
    "p.save_b": {"id": "Simpan sebagai skenario B", "en": "Save as scenario B"},
    "p.saved": {"id": "Tersimpan: {name}", "en": "Saved: {name}"},
    "p.need_two": {
        "id": "Simpan dua skenario (A dan B) untuk membandingkan.",
        "en": "Save two scenarios (A and B) to compare.",
    },
    "e.title": {"id": "Unduh hasil", "en": "Download results"},
    "e.privacy": {
        "id": "Semua berkas ekspor hanya berisi angka per kelurahan/desa; angka 1..{km1} ditulis "
        "'<{k}'. Data pribadi klien tidak pernah diekspor.",
        "en": "Every export holds per-village figures only; counts 1..{km1} appear as '<{k}'. "
        "Personal client data is never exported.",
    },
    "e.ranking_csv": {"id": "Peringkat (CSV)", "en": "Ranking (CSV)"},
    "e.ranking_xlsx": {"id": "Buku kerja (XLSX)", "en": "Workbook (XLSX)"},
    "e.geojson": {"id": "Hasil (GeoJSON)", "en": "Results (GeoJSON)"},
    "e.html": {"id": "Peta interaktif (HTML)", "en": "Interactive map (HTML)"},
    "e.png": {"id": "Peta cetak (PNG)", "en": "Print map (PNG)"},
    "e.pdf": {"id": "Peta cetak A4 (PDF)", "en": "Print map A4 (PDF)"},
    "e.gpkg": {"id": "Hasil (GeoPackage)", "en": "Results (GeoPackage)"},
    "e.plan_csv": {"id": "Rencana rekrutmen (CSV)", "en": "Recruitment plan (CSV)"},
    "e.pilots_csv": {"id": "Desa percontohan (CSV)", "en": "Pilot villages (CSV)"},
    "e.slides": {"id": "Bahan rapat (PPTX)", "en": "Slides (PPTX)"},
    "e.scenario": {"id": "Simpan berkas skenario (TOML)", "en": "Save scenario file (TOML)"},
    "e.load": {"id": "Muat berkas skenario", "en": "Load a scenario file"},
    "e.loaded": {"id": "Skenario dimuat: {name}", "en": "Scenario loaded: {name}"},
    "e.bad_scenario": {
        "id": "Berkas skenario '{file}' tidak valid: {msg}",
        "en": "Scenario file '{file}' is not valid: {msg}",
    },
    "e.unavailable": {"id": "Belum tersedia: {what}", "en": "Not available yet: {what}"},
    "e.name": {"id": "Nama skenario", "en": "Scenario name"},
}
register(APP_TEXT)

KINDS = ("boundaries", "clients", "agents", "service_points")
#: canonical columns offered on the column-mapping screen, per table
MAPPABLE: dict[str, list[str]] = {
    "boundaries": ["nama", "kode", "kecamatan", "kab_kota", "jenis"],
    "clients": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["tahun_rehab", "jenis_layanan", "tingkat", "status_pasca", "client_id", "name", "agen_id"],
    "agents": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["agen_id", "name", "kapasitas", "aktif"],
    "service_points": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["name", "jenis"],
}

# --------------------------------------------------------------------------- scenario <-> widgets
#: session-state keys of scenario widgets (persisted across steps by the app)
STATE_KEYS = (
    [f"w_{c}" for c in COMPONENTS]
    + ["radius_m", "default_capacity", "classification", "n_classes", "top_n"]
    + ["f_prov", "f_kab", "f_kec", "f_years", "f_status"]
    + ["p_model", "p_mode", "p_p", "p_budget", "p_cost", "p_radius", "p_capacity", "p_keep"]
    + ["p_quota", "pi_per_kab", "sc_name", "place_choices"]
)


def scenario_to_state(sc: Scenario, year_range: tuple[int, int] = (2015, 2025)) -> dict:
    """Widget values showing ``sc`` (used at start and when a scenario file is loaded)."""
    lo, hi = year_range
    f = sc.filters
    quota = {
        k: (sc.plan.min_per_kab.get(k, 0), sc.plan.max_per_kab.get(k))
        for k in sorted(set(sc.plan.min_per_kab) | set(sc.plan.max_per_kab))
    }
    out = {f"w_{c}": float(getattr(sc.weights, c)) for c in COMPONENTS}
    out.update(
        radius_m=int(sc.radius_m),
        default_capacity=int(sc.default_capacity),
        classification=sc.classification,
        n_classes=int(sc.n_classes),
        top_n=int(sc.top_n),
        f_prov=list(f.provinsi),
        f_kab=list(f.kab_kota),
        f_kec=list(f.kecamatan),
        f_years=(
            max(lo, f.year_min) if f.year_min is not None else lo,
            min(hi, f.year_max) if f.year_max is not None else hi,
        ),
        f_status=list(f.statuses) or list(STATUSES),
        p_model=sc.plan.model,
        p_mode="budget" if sc.plan.budget is not None else "p",
        p_p=int(sc.plan.p),
        p_budget=float(sc.plan.budget or 0.0),
        p_cost=float(sc.plan.cost_per_site),
        p_radius=int(sc.plan.radius_m or sc.radius_m),
        p_capacity=int(sc.plan.capacity or 0),
        p_keep=bool(sc.plan.keep_existing),
        p_quota=quota,
        pi_per_kab=int(sc.pilots.per_kab if sc.pilots.per_kab is not None else 1),
        sc_name=sc.name,
        place_choices=dict(sc.place_choices),
    )
    return out


def scenario_from_state(
    state: dict, base: Scenario | None = None, year_range: tuple[int, int] = (2015, 2025)
) -> Scenario:
    """The Scenario the widgets describe; keys missing from ``state`` keep ``base``'s values.

    A year slider at the data's full range means "no year filter", and all statuses ticked means
    "no status filter", so a saved scenario does not pin the years of one data set.
    """
    sc = (base or Scenario()).model_copy(deep=True)
    data = sc.model_dump()
    g = state.get
    if all(f"w_{c}" in state for c in COMPONENTS):
        w = {c: float(state[f"w_{c}"]) for c in COMPONENTS}
        if sum(w.values()) <= 0:  # all sliders at zero: keep the previous weights
            w = data["weights"]
        data["weights"] = w
    for key in ("radius_m", "default_capacity", "classification", "n_classes", "top_n"):
        if key in state:
            data[key] = state[key]
    if "place_choices" in state:
        data["place_choices"] = {str(k): str(v) for k, v in (state["place_choices"] or {}).items()}
    if "sc_name" in state and str(state["sc_name"]).strip():
        data["name"] = str(state["sc_name"]).strip()
    f = data["filters"]
    f["provinsi"] = list(g("f_prov", f["provinsi"]))
    f["kab_kota"] = list(g("f_kab", f["kab_kota"]))
    f["kecamatan"] = list(g("f_kec", f["kecamatan"]))
    if "f_years" in state:
        lo, hi = state["f_years"]
        f["year_min"] = None if lo <= year_range[0] else int(lo)
        f["year_max"] = None if hi >= year_range[1] else int(hi)
    if "f_status" in state:
        st_ = [s for s in STATUSES if s in state["f_status"]]
        f["statuses"] = [] if len(st_) == len(STATUSES) else st_
    p = data["plan"]
    p["model"] = g("p_model", p["model"])
    p["p"] = int(g("p_p", p["p"]))
    if g("p_mode") == "budget":
        p["budget"] = float(g("p_budget", 0.0))
    elif "p_mode" in state:
        p["budget"] = None
    p["cost_per_site"] = float(g("p_cost", p["cost_per_site"]))
    if "p_radius" in state:
        p["radius_m"] = float(state["p_radius"]) or None
    if "p_capacity" in state:
        p["capacity"] = int(state["p_capacity"]) or None
    p["keep_existing"] = bool(g("p_keep", p["keep_existing"]))
    if "p_quota" in state:
        q = state["p_quota"] or {}
        p["min_per_kab"] = {k: int(v[0]) for k, v in q.items() if v[0]}
        p["max_per_kab"] = {k: int(v[1]) for k, v in q.items() if v[1] is not None}
    if "pi_per_kab" in state:
        data["pilots"]["per_kab"] = int(state["pi_per_kab"])
    return Scenario.model_validate(data)


def analysis_key(sc: Scenario) -> str:
    """Cache key of ``analyze_joined``: the scenario without what only ``rescore``/plan use."""
    d = sc.model_dump(mode="json")
    for k in ("name", "description", "weights", "classification", "n_classes", "fixed_breaks"):
        d.pop(k, None)
    for k in ("top_n", "stability_draws", "stability_spread", "plan", "pilots"):
        d.pop(k, None)
    return json.dumps(d, sort_keys=True)


# ------------------------------------------------------------------------------------- uploads
def headers_of(data: bytes, name: str) -> list[str]:
    """Header row of an uploaded table (or property names of a boundary file) for column mapping."""
    ext = Path(name).suffix.lower()
    try:
        if ext in (".xlsx", ".xls", ".xlsm"):
            return [str(c) for c in pd.read_excel(io.BytesIO(data), nrows=0).columns]
        if ext in (".csv", ".txt", ".tsv"):
            text = data.decode("utf-8-sig", errors="replace")
            first = text.splitlines()[0] if text else ""
            sep = max([",", ";", "\t", "|"], key=first.count)
            return [h.strip().strip('"') for h in first.split(sep)]
        import geopandas as gpd

        gdf = gpd.read_file(io.BytesIO(data), rows=1)
        return [str(c) for c in gdf.columns if c != "geometry"]
    except Exception:  # noqa: BLE001 - any unreadable file simply offers no headers
        return []


_ERROR_ID = [
    (
        "no location column: need kode, kelurahan/desa, lat+lon or koordinat; found ",
        "tidak ada kolom lokasi (perlu kode, kelurahan/desa, lat+lon atau koordinat); kolom yang ada: ",
    ),
    (
        "cannot find the village name column (expected nama, WADMKD, NAME_4 or name); ",
        "kolom nama kelurahan/desa tidak ditemukan (nama, WADMKD, NAME_4 atau name); ",
    ),
    ("columns found: ", "kolom yang ada: "),
    (". Pass column_map.", ". Pilih kolomnya di bawah."),
    ("cannot read boundaries", "berkas batas wilayah tidak dapat dibaca"),
    ("cannot parse as CSV", "tidak dapat dibaca sebagai CSV"),
    ("cannot read spreadsheet", "lembar kerja tidak dapat dibaca"),
    ("save it as .xlsx or .csv", "simpan sebagai .xlsx atau .csv"),
    ("cannot read file", "berkas tidak dapat dibaca"),
    ("no features in the boundary file", "berkas batas wilayah tidak berisi poligon"),
    (
        "no CRS in the file and the coordinates are not degrees",
        "tanpa CRS dan koordinat bukan derajat",
    ),
    ("the file is empty", "berkas kosong"),
]


def error_message(e, lang: str = "id") -> str:
    """Plain message for an :class:`~ibm_geo.errors.IbmGeoError`: file, column, what is wrong."""
    if not hasattr(e, "table"):  # a catalog error: its own text in the chosen language
        return md_escape(e.message(lang))
    col = t("data.error_col", lang, col=e.column) if getattr(e, "column", None) else ""
    msg = str(e)
    prefix = f"{e.table}" + (f", column '{e.column}'" if e.column else "") + ": "
    msg = msg[len(prefix) :] if msg.startswith(prefix) else msg
    if lang == "id":
        for en, id_ in _ERROR_ID:
            msg = msg.replace(en, id_)
    return t("data.error", lang, file=md_escape(e.table), col=md_escape(col), msg=md_escape(msg))


def mapping_from_choices(choices: dict[str, str | None]) -> dict[str, str]:
    """{canonical: header or None} from the selectboxes -> ``column_map`` {header: canonical}."""
    return {h: canon for canon, h in choices.items() if h}


def _norm(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def candidate_lookup(units: pd.DataFrame) -> dict[str, str]:
    """{'Nama (Kec, Kab)': kode} for every unit: build once, then look up each match's list."""
    label = units["nama"].astype(str) + " (" + units["kecamatan"].astype(str)
    label = label + ", " + units["kab_kota"].astype(str) + ")"
    return dict(zip(label, units["kode"].astype(str), strict=False))


def candidate_options(candidates: str, units: pd.DataFrame | dict[str, str]) -> dict[str, str]:
    """'Nama (Kec, Kab); ...' from ``matches.candidates`` -> {label: kode} looked up in the units
    (or in a :func:`candidate_lookup` built once for many calls)."""
    out: dict[str, str] = {}
    if not candidates:
        return out
    lookup = units if isinstance(units, dict) else candidate_lookup(units)
    for part in str(candidates).split(";"):
        part = part.strip()
        if part in lookup:
            out[part] = lookup[part]
    return out


# ------------------------------------------------------------------------------------- quality
def quality_overview(result, lang: str = "id") -> pd.DataFrame:
    """Rows read / matched / ambiguous / unmatched / outside / swapped per input table."""
    j = result.joined
    q = result.quality
    rows = []
    for kind, placed in (
        ("clients", j.clients),
        ("agents", j.agents),
        ("service_points", j.service_points),
    ):
        tab = placed.table
        fname = j.sources.get(kind, kind)
        method = tab["method"].astype("string") if "method" in tab else pd.Series(dtype="string")
        qf = q[q["file"] == fname] if len(q) else q
        prob = qf["problem"].astype("string").str.lower() if len(qf) else pd.Series(dtype="string")
        rows.append(
            {
                t("q.table", lang): fname,
                t("q.read", lang): len(tab),
                t("q.matched", lang): int(tab["located"].sum()) if len(tab) else 0,
                t("q.ambiguous", lang): int((method == "ambiguous").sum()),
                t("q.unmatched", lang): int((method == "unmatched").sum())
                + int(method.isna().sum() if len(tab) else 0),
                t("q.outside", lang): int(prob.str.contains("outside").sum()),
                t("q.swapped", lang): int(prob.str.contains("swapped").sum()),
                t("q.fuzzy", lang): int((method == "fuzzy").sum()),
            }
        )
    return pd.DataFrame(rows)


#: place names offered for a choice at once (a national file can have thousands; one select box
#: each would make the page unusable); the rest stay in matches.csv and come up as these are done
RESOLVE_LIMIT = 40


def to_resolve(matches: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Match rows a planner should look at: ambiguous, unmatched with candidates, or fuzzy;
    those written on the most rows first (the most clients placed per choice)."""
    if matches is None or not len(matches):
        return pd.DataFrame()
    m = matches
    need = m["method"].isin(["ambiguous", "fuzzy"]) | (
        (m["method"] == "unmatched") & m["candidates"].fillna("").ne("")
    )
    out = m.loc[need].sort_values("rows", ascending=False, kind="stable")
    return (out if limit is None else out.head(limit)).reset_index(drop=True)


# ------------------------------------------------------------------------------------- exports
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def export_items(result, sc: Scenario, plan=None, pilots=None, lang: str = "id") -> list[tuple]:
    """(label key, file name, mime, zero-argument callable -> bytes) for every download.

    Callables so that Streamlit builds a file only when its button is clicked. Every function
    called here applies :mod:`ibm_geo.privacy` itself (aggregates only, small counts suppressed).
    """
    from .export import tables as ex

    kel = result.kelurahan
    sites = plan.sites if plan is not None else None
    curve = plan.curve if plan is not None else None
    svc = result.joined.service_points.table

    def html_map() -> bytes:
        from .render import build_html_map

        return build_html_map(
            kel, scenario=sc, sites=sites, pilots=pilots, service_points=svc, lang=lang
        )

    def png() -> bytes:
        from .render import render_static_map

        return render_static_map(kel, scenario=sc, sites=sites, pilots=pilots, lang=lang)

    def pdf_a4() -> bytes:
        from .render import render_static_map

        return render_static_map(
            kel, scenario=sc, sites=sites, pilots=pilots, lang=lang, size="a4", fmt="pdf"
        )

    def slides() -> bytes:
        from .render import build_slides

        return build_slides(
            kel, scenario=sc, sites=sites, pilots=pilots, curve=curve,
            quality=result.quality, matches=result.matches, lang=lang,
        )  # fmt: skip

    def xlsx() -> bytes:
        return ex.workbook_xlsx(
            kel, sc, sites=sites, pilots=pilots, quality=result.quality,
            matches=result.matches, curve=curve, lang=lang,
        )  # fmt: skip

    def quality_csv() -> bytes:
        return ex.quality_csv(result.quality)

    items = [
        ("e.ranking_csv", "peringkat.csv", "text/csv", lambda: ex.ranking_csv(kel, sc, lang)),
        ("e.ranking_xlsx", "peringkat.xlsx", XLSX, xlsx),
        ("e.geojson", "hasil.geojson", "application/geo+json", lambda: ex.results_geojson(kel, sc)),
        ("e.html", "peta.html", "text/html", html_map),
        ("e.png", "peta.png", "image/png", png),
        ("e.pdf", "peta_a4.pdf", "application/pdf", pdf_a4),
        ("e.slides", "bahan_rakor.pptx", PPTX, slides),
        (
            "e.gpkg",
            "hasil.gpkg",
            "application/geopackage+sqlite3",
            lambda: ex.results_gpkg(kel, sc),
        ),
        (
            "e.pilots_csv",
            "desa_percontohan.csv",
            "text/csv",
            lambda: ex.pilots_csv(pilots, kel, sc),
        ),
        ("q.download", "kualitas_data.csv", "text/csv", quality_csv),
        ("e.scenario", "skenario.toml", "application/toml", lambda: sc.to_bytes("toml")),
    ]
    if sites is not None:  # the plan only exists once the planner has run it
        plan_csv = (
            "e.plan_csv",
            "rencana_rekrutmen.csv",
            "text/csv",
            lambda: ex.plan_csv(sites, sc),
        )
        items.insert(3, plan_csv)
    return items


# ------------------------------------------------------------------------------- why ranked here
def why_table(row: pd.Series, lang: str = "id") -> pd.DataFrame:
    """Component value and points of one kelurahan: the score is the sum of the points."""
    recs = []
    for c in COMPONENTS:
        recs.append(
            {
                t("m.component", lang): t(f"w.{c}", lang),
                t("m.value", lang): round(float(row.get(f"c_{c}", np.nan)), 3),
                t("m.points", lang): round(float(row.get(f"pts_{c}", np.nan)), 1),
            }
        )
    return pd.DataFrame(recs)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md_escape(text: object) -> str:
    """User text inside Streamlit markdown (labels, captions, messages): no links, images, HTML."""
    return _MD_SPECIAL.sub(r"\\\1", _norm(text))


def unit_label(row: pd.Series) -> str:
    return f"{row['rank']}. {row['nama']} ({row['kecamatan']}, {row['kab_kota']})"


# ------------------------------------------------------------------------------------- the map
ASSETS = Path(__file__).resolve().parent / "assets" / "leaflet"


@functools.lru_cache(maxsize=1)
def leaflet_data_uris() -> tuple[str, str]:
    """Leaflet JS/CSS as data: URIs so the in-app map works offline (no CDN)."""
    js = base64.b64encode((ASSETS / "leaflet.js").read_bytes()).decode("ascii")
    layers = base64.b64encode((ASSETS / "images" / "layers.png").read_bytes()).decode("ascii")
    extra = (
        ".leaflet-control-layers-toggle{background-image:url(data:image/png;base64,"
        + layers
        + ");background-size:26px 26px}"
    )
    css_text = (ASSETS / "leaflet.css").read_bytes() + extra.encode("ascii")
    css = base64.b64encode(css_text).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def cluster_points(lon: np.ndarray, lat: np.ndarray, max_points: int = 300) -> pd.DataFrame:
    """Client points as grid clusters (lon, lat = mean of members, n) when there are many.

    Server-side clustering keeps the map light and offline (no MarkerCluster plugin from a CDN);
    the grid is refined until there are at most ``max_points`` clusters or each point stands alone.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = np.asarray(lon, float)[ok], np.asarray(lat, float)[ok]
    if len(lon) == 0:
        return pd.DataFrame({"lon": [], "lat": [], "n": []})
    if len(lon) <= max_points:
        return pd.DataFrame({"lon": lon, "lat": lat, "n": np.ones(len(lon), dtype=int)})
    span = max(np.ptp(lon), np.ptp(lat), 1e-4)
    cell = span / np.sqrt(max_points)
    gx = np.floor((lon - lon.min()) / cell).astype(np.int64)
    gy = np.floor((lat - lat.min()) / cell).astype(np.int64)
    df = pd.DataFrame({"g": gx * 1_000_003 + gy, "lon": lon, "lat": lat})
    agg = df.groupby("g", sort=True).agg(
        lon=("lon", "mean"), lat=("lat", "mean"), n=("lon", "size")
    )
    return agg.reset_index(drop=True)


SCORE_COLORS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]


def legend_html(lang: str = "id") -> str:
    """Score legend (fixed 20-point bands of the map colours); no user text inside."""
    cells = "".join(
        f'<span style="background:{c};display:inline-block;width:1.6em;height:0.9em;'
        f'border:1px solid #999;margin-left:0.4em"></span> {i * 20}-{i * 20 + 20}'
        for i, c in enumerate(SCORE_COLORS)
    )
    return f"<small>{html.escape(t('legend.score', lang))}:{cells}</small>"


def _color(score: float) -> str:
    stops = SCORE_COLORS
    if not np.isfinite(score):
        return "#cccccc"
    return stops[min(int(score // 20), 4)]


#: polygons the in-app map draws at most; a national file shows its highest-ranked units and
#: asks for a province or kab/kota filter (the browser cannot hold 83k interactive polygons)
APP_MAP_MAX_UNITS = 6000


def map_units(kelurahan: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The units the in-app map and its picker show: all of them, or the ``limit`` best-ranked
    (default :data:`APP_MAP_MAX_UNITS`)."""
    limit = APP_MAP_MAX_UNITS if limit is None else limit
    if len(kelurahan) <= limit:
        return kelurahan
    return kelurahan.nsmallest(limit, "rank") if "rank" in kelurahan else kelurahan.head(limit)


#: above this many agents they are drawn as one point layer without radius circles: a national
#: list (10,000 agents) as separate markers made a 24 MB page that took 15 s to render
MAX_AGENT_MARKERS = 500


def _agent_layer(m, agents: pd.DataFrame, units, lang: str) -> None:
    """All agents as one GeoJSON point layer (names escaped: folium does not escape tooltips)."""
    import geopandas as gpd

    a = agents[agents["located"].astype(bool)]
    lat, lon = _latlon(a, units)
    ok = np.isfinite(lat) & np.isfinite(lon)
    pts = gpd.GeoDataFrame(
        {
            "agen": [html.escape(_norm(nm) or "Agen") for nm in a["name"].to_numpy()[ok]],
            "aktif": a["aktif"].fillna(True).astype(bool).to_numpy()[ok],
        },
        geometry=gpd.points_from_xy(lon[ok], lat[ok]),
        crs=4326,
    )
    folium.GeoJson(
        pts.to_json(),
        name=t("layer.agents", lang),
        marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=1.0, weight=1),
        style_function=lambda f: {
            "color": "#1a9850" if f["properties"]["aktif"] else "#999999",
            "fillColor": "#1a9850" if f["properties"]["aktif"] else "#999999",
        },
        tooltip=folium.GeoJsonTooltip(fields=["agen"], labels=False),
    ).add_to(m)


def build_app_map(
    kelurahan,
    *,
    clients: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    service_points: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    radius_m: float = 3000.0,
    lang: str = "id",
    selected: str | None = None,
    tiles: bool = True,
    units: pd.DataFrame | None = None,
) -> folium.Map:
    """The in-app Leaflet map: score choropleth, clustered clients, agents with radius, sites.

    Client points appear only here (never in an export). Every user-supplied string is escaped.
    """
    k = kelurahan
    minx, miny, maxx, maxy = k.total_bounds if len(k) else (115.0, -9.0, 116.0, -8.0)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles="OpenStreetMap" if tiles else None,
        prefer_canvas=len(k) > 1500,  # SVG is clickable and testable; canvas for big areas
    )
    js, css = leaflet_data_uris()
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    if len(k):
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    props = pd.DataFrame(
        {
            "kode": k["kode"].astype(str).map(html.escape),
            "nama": k["nama"].astype(str).map(html.escape),
            "kec": k["kecamatan"].astype(str).map(html.escape),
            "kab": k["kab_kota"].astype(str).map(html.escape),
            "score": k["score"].round(1),
            "rank": k["rank"].astype(int),
            "unserved": k["unserved"].astype(int),
            "clients": k["clients"].astype(int),
        }
    )
    gj = props.assign(geometry=k.geometry.simplify(0.0002).to_numpy())
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(gj, geometry="geometry", crs=k.crs)
    sel = html.escape(selected) if selected else None

    def style(feat):
        p = feat["properties"]
        hit = sel is not None and p["kode"] == sel
        return {
            "fillColor": _color(p["score"]),
            "color": "#0000ff" if hit else "#555555",
            "weight": 3 if hit else 0.6,
            "fillOpacity": 0.65,
        }

    folium.GeoJson(
        gdf.to_json(),
        name=t("layer.score", lang),
        style_function=style,
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["rank", "nama", "kec", "score", "unserved", "clients"],
            aliases=[
                t("field.rank", lang),
                t("field.nama", lang),
                t("field.kecamatan", lang),
                t("field.score", lang),
                t("field.unserved", lang),
                t("field.clients", lang),
            ],
        ),
    ).add_to(m)

    if clients is not None and len(clients):
        fg = folium.FeatureGroup(name=t("m.clients_layer", lang), show=True)
        cl = cluster_points(
            clients["lon"].to_numpy(dtype=float, na_value=np.nan),
            clients["lat"].to_numpy(dtype=float, na_value=np.nan),
        )
        for lo, la, n in cl.itertuples(index=False):
            folium.CircleMarker(
                [la, lo],
                radius=2.5 if n == 1 else min(3 + 1.2 * np.sqrt(n), 12),
                color="#3f007d",
                weight=1,
                fill=True,
                fill_color="#807dba",
                fill_opacity=0.6,
                tooltip=f"{int(n)} {html.escape(t('field.clients', lang).lower())}",
            ).add_to(fg)
        fg.add_to(m)

    if agents is not None and len(agents) > MAX_AGENT_MARKERS:
        _agent_layer(m, agents, units, lang)
    elif agents is not None and len(agents):
        fg = folium.FeatureGroup(name=t("layer.agents", lang))
        a = agents[agents["located"].astype(bool)]
        lat, lon = _latlon(a, units)
        for la, lo, nm, act in zip(lat, lon, a["name"], a["aktif"].fillna(True), strict=True):
            if not (np.isfinite(la) and np.isfinite(lo)):
                continue
            col = "#1a9850" if bool(act) else "#999999"
            folium.Circle([la, lo], radius=radius_m, color=col, weight=1, fill=False).add_to(fg)
            folium.CircleMarker(
                [la, lo], radius=5, color=col, fill=True, fill_opacity=1.0,
                tooltip=html.escape(_norm(nm) or "Agen"),
            ).add_to(fg)  # fmt: skip
        fg.add_to(m)

    if service_points is not None and len(service_points):
        fg = folium.FeatureGroup(name=t("layer.service_points", lang))
        s = service_points[service_points["located"].astype(bool)]
        lat, lon = _latlon(s, units)
        for la, lo, nm, jn in zip(lat, lon, s["name"], s["jenis"], strict=True):
            if not (np.isfinite(la) and np.isfinite(lo)):
                continue
            folium.CircleMarker(
                [la, lo], radius=7, color="#08519c", weight=3, fill=True,
                fill_color="#ffffff", fill_opacity=1.0,
                tooltip=html.escape(f"{_norm(nm)} ({_norm(jn)})"),
            ).add_to(fg)  # fmt: skip
        fg.add_to(m)

    if sites is not None and len(sites):
        fg = folium.FeatureGroup(name=t("layer.sites", lang))
        pos = k.set_index(k["kode"].astype(str))[["rep_lat", "rep_lon"]]
        for rec in sites.to_dict("records"):
            kode = str(rec.get("kode"))
            if kode not in pos.index:
                continue
            la, lo = pos.loc[kode]
            folium.Circle(
                [la, lo], radius=radius_m, color="#d94801", weight=2, dash_array="6", fill=False
            ).add_to(fg)
            folium.CircleMarker(
                [la, lo], radius=8, color="#d94801", fill=True, fill_color="#fd8d3c",
                fill_opacity=1.0,
                tooltip=html.escape(f"{t('layer.sites', lang)}: {_norm(rec.get('nama'))}"),
            ).add_to(fg)  # fmt: skip
        fg.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _latlon(df: pd.DataFrame, units: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Own coordinates when given, else the representative point of the matched kelurahan."""
    lat = df["lat"].to_numpy(dtype=float, na_value=np.nan).copy()
    lon = df["lon"].to_numpy(dtype=float, na_value=np.nan).copy()
    if units is not None and "unit" in df and len(df):
        u = df["unit"].to_numpy(dtype=np.int64)
        miss = ~np.isfinite(lat) & (u >= 0)
        lat[miss] = units["rep_lat"].to_numpy(dtype=float)[u[miss]]
        lon[miss] = units["rep_lon"].to_numpy(dtype=float)[u[miss]]
    return lat, lon


def clicked_kode(state: dict | None) -> str | None:
    """kode of the kelurahan clicked on the map (``st_folium`` last_active_drawing), escaped form."""
    if not state:
        return None
    feat = state.get("last_active_drawing") or {}
    kode = (feat.get("properties") or {}).get("kode")
    return html.unescape(kode) if kode else None
