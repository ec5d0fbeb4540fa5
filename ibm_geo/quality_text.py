"""Data-quality messages in the reader's language.

Loaders and matchers record each problem once, in English (the machine contract of
``data_quality.csv`` stays as documented); people read them in Indonesian. The phrases below
turn a recorded message into Bahasa Indonesia; a message without a known phrase is shown as it
is rather than guessed.
"""

from __future__ import annotations

import re

import pandas as pd

#: (English pattern, Indonesian replacement), applied in order to problems and actions
PHRASES: list[tuple[str, str]] = [
    (
        r"coordinates lie in (.+?), not in the written kelurahan",
        r"koordinat berada di \1, bukan di kelurahan yang tertulis",
    ),
    (r"coordinates are lat/lon swapped", "koordinat lintang/bujur tertukar"),
    (r"lat/lon look swapped", "lintang/bujur tampak tertukar"),
    (r"swapped lat/lon", "lintang/bujur ditukar"),
    (r"coordinates outside Indonesia", "koordinat di luar Indonesia"),
    (r"point lies outside the boundaries", "titik di luar batas wilayah"),
    # hostile inputs (issue 21)
    (
        r"row not placed \(no kelurahan written\)",
        "baris tidak ditempatkan (kelurahan tidak ditulis)",
    ),
    (
        r"unbalanced quote \(\"\) ran over (\d+) lines",
        r'tanda kutip (") tidak berpasangan, meliputi \1 baris',
    ),
    (
        r"quotes read as text; every line read as a row",
        "tanda kutip dibaca sebagai teks; setiap baris dibaca",
    ),
    (r"line endings are CR only \(old Mac\)", "akhir baris hanya CR (Mac lama)"),
    (r"^read as lines$", "dibaca per baris"),
    (r"merged cells (\S+)", r"sel gabungan \1"),
    (r"value of the merged cell used on rows (\S+)", r"nilai sel gabungan dipakai di baris \1"),
    (
        r"row holds no readable value \(only spaces\?\)",
        "baris tanpa nilai yang terbaca (hanya spasi?)",
    ),
    (r"^not read$", "tidak dibaca"),
    (r"cell of more than ([\d,.]+) characters", r"sel lebih dari \1 karakter"),
    (r"capacity above ([\d,.]+)", r"kapasitas di atas \1"),
    (r"coordinates not finite \(NaN/inf\)", "koordinat tidak berhingga (NaN/inf)"),
    (r"feature has neither a name nor a code", "fitur tanpa nama maupun kode"),
    (r"feature dropped \(add its name or kode\)", "fitur dibuang (isi nama atau kodenya)"),
    (
        r"previous results: not a published count",
        "hasil sebelumnya: bukan jumlah yang dipublikasikan",
    ),
    (r"previous results: row without a kode", "hasil sebelumnya: baris tanpa kode"),
    (r"previous results: feature without properties", "hasil sebelumnya: fitur tanpa atribut"),
    (
        r"previous results: manifest k is not a number",
        "hasil sebelumnya: k di manifest bukan angka",
    ),
    (r"left out of the change table", "tidak dipakai di tabel perubahan"),
    (r"k = 5 assumed", "k = 5 diasumsikan"),
    (r"used the written name instead", "nama yang tertulis dipakai"),
    (r"used the coordinates", "koordinat dipakai"),
    (r"ignored coordinates", "koordinat diabaikan"),
    (r"ignored value", "nilai diabaikan"),
    (r"year is not a number", "tahun bukan angka"),
    (r"year outside (\S+)", r"tahun di luar \1"),
    (r"recruitment year missing", "tahun rekrut kosong"),
    (
        r"agent counted; agent progress of its office is a snapshot",
        "agen tetap dihitung; capaian agen kantornya berupa keadaan saat ini",
    ),
    (r"^(\w+) is not a number", r"\1 bukan angka"),
    (
        r"kelurahan name matched approximately \(score (\d+)\)",
        r"nama kelurahan cocok mirip (skor \1)",
    ),
    (
        r"kelurahan name exists in several places; add kecamatan/kab_kota",
        "nama kelurahan ada di beberapa tempat; tambahkan kecamatan/kab_kota",
    ),
    (
        r"kelurahan name not found in the boundaries",
        "nama kelurahan tidak ditemukan di batas wilayah",
    ),
    (
        r"kelurahan name placed by the planner's choice \(scenario\)",
        "nama kelurahan ditempatkan sesuai pilihan perencana (skenario)",
    ),
    (r"unmatched name", "nama tidak cocok"),
    (r"row not placed", "baris tidak ditempatkan"),
    (r"; candidates: ", "; kandidat: "),
    (r"; closest: ", "; terdekat: "),
    (r"^placed in ", "ditempatkan di "),
    (r"unknown (\w+) value", r"nilai \1 tidak dikenal"),
    (r"duplicate kode", "kode ganda"),
    (r"no CRS in the file", "berkas tanpa CRS"),
    (r"no data rows under the header", "tidak ada baris data di bawah judul kolom"),
    (r"second column for '([^']*)'", r"kolom kedua untuk '\1'"),
    (r"column ignored", "kolom diabaikan"),
    (r"none read", "tidak ada yang dibaca"),
    (r"(\d+) rows read", r"\1 baris dibaca"),
    (r"^assumed ", "dianggap "),
    (r"^used '", "dipakai '"),
    (r"^swapped$", "ditukar"),
    (r"^fuzzy$", "cocok mirip"),
    # targets file (``monitoring.read_targets``)
    (r"^wilayah is empty$", "wilayah kosong"),
    (r"^unknown indikator; use one of (.+)$", r"indikator tidak dikenal; pakai salah satu: \1"),
    (r"^tahun is not a year$", "tahun bukan tahun yang sah"),
    (r"^target is not a positive number$", "target bukan angka positif"),
    (
        r"^second target for the same area, year and indikator$",
        "target kedua untuk wilayah, tahun, dan indikator yang sama",
    ),
    (r"^row ignored$", "baris diabaikan"),
]
_COMPILED = [(re.compile(p), r) for p, r in PHRASES]

#: column headers of the quality table for people
HEADERS = {
    "id": {"file": "Berkas", "row": "Baris", "column": "Kolom", "problem": "Masalah",
           "value": "Nilai", "action": "Tindakan"},
    "en": {"file": "File", "row": "Row", "column": "Column", "problem": "Problem",
           "value": "Value", "action": "Action"},
}  # fmt: skip


def translate(text: object, lang: str = "id") -> object:
    """One recorded message in ``lang`` (English is the recorded form)."""
    if lang != "id" or not isinstance(text, str) or not text:
        return text
    out = text
    for pat, rep in _COMPILED:
        out = pat.sub(rep, out)
    return out


def localize_quality(quality: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """The quality table as a person reads it: messages translated, headers in ``lang``."""
    q = quality.copy()
    for col in ("problem", "action"):
        if col in q:
            uniq = {v: translate(v, lang) for v in q[col].dropna().unique()}
            q[col] = q[col].map(lambda v, u=uniq: u.get(v, v))
    return q.rename(columns=HEADERS.get(lang, HEADERS["en"]))
