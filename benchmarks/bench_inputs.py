"""Reading registers as they arrive: what the header search, sheet handling, limits and quality
checks cost over a plain parse of the same file.

Inputs (seeded, generated here): a 1,000,000-row client CSV with two title rows (``;``, decimal
commas) and a 60,000-row client workbook split over two sheets after a "Petunjuk" sheet. Peers on
the same files, timed in the same run: ``pyarrow.csv.read_csv`` (raw text columns, no checks) for
the CSV and ``pandas.read_excel(sheet_name=None)`` (every sheet, no header search) for the XLSX.
Each figure is the median of ``--repeat`` runs; peak RSS is measured in a fresh child process.

Usage: python benchmarks/bench_inputs.py [--rows N] [--xlsx-rows N] [--repeat 3]
Last line: ``read_csv_1m_s=<s> peer_arrow_csv_s=<s> read_xlsx_s=<s> peer_read_excel_s=<s>
xlsx_peak_rss_mb=<mb>``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VILLAGES = ["Renon", "Sanur Kaja", "Panjer", "Sesetan", "Pedungan", "Kuta", "Tuban", "Legian"]


def make_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "No": np.arange(1, n + 1),
            "Nama Klien": "Klien",
            "Kelurahan": rng.choice(VILLAGES, n),
            "Lintang": np.char.replace(
                np.round(-8.6 - rng.random(n) * 0.1, 5).astype(str), ".", ","
            ),
            "Bujur": np.char.replace(
                np.round(115.2 + rng.random(n) * 0.1, 5).astype(str), ".", ","
            ),
            "Tahun Rehab": rng.integers(2015, 2025, n),
            "Status Pasca": rng.choice(["aktif", "belum", "putus", "selesai"], n),
        }
    )
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("DATA KLIEN PASCAREHABILITASI;;;;;;\nBNNP BALI 2024;;;;;;\n")
        df.to_csv(fh, sep=";", index=False)


def make_xlsx(path: Path, n: int) -> None:
    import openpyxl

    rng = np.random.default_rng(1)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Petunjuk")
    ws.append(["Isi satu baris per klien; kolom Kelurahan wajib."])
    hdr = ["No", "Nama", "Kelurahan", "Kecamatan", "Tahun Rehab", "Status Pasca"]
    for s, (lo, hi) in enumerate([(0, n // 2), (n // 2, n)]):
        ws = wb.create_sheet(f"{2023 + s}")
        ws.append([f"REKAP KLIEN {2023 + s}"])
        ws.append([])
        ws.append(hdr)
        for i in range(lo, hi):
            v = VILLAGES[int(rng.integers(len(VILLAGES)))]
            ws.append([i + 1, f"Klien {i}", v, "Denpasar Selatan", 2015 + i % 10, "aktif"])
    wb.save(path)


def timed(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def child_peak(path: Path) -> float:
    """VmHWM of a fresh process (ru_maxrss would carry the parent's peak across exec)."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from ibm_geo.io import read_points; from ibm_geo.quality import DataQuality\n"
        f"read_points({str(path)!r}, 'clients', DataQuality())\n"
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) / 1024)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(p.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    from pyarrow import csv as pacsv

    from ibm_geo.io import read_points
    from ibm_geo.quality import DataQuality

    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = Path(tmp, "klien.csv"), Path(tmp, "klien.xlsx")
        make_csv(csv_path, a.rows)
        make_xlsx(xlsx_path, a.xlsx_rows)
        out = read_points(csv_path, "clients", DataQuality())
        assert len(out) == a.rows and out["row"].iat[0] == 4  # header under two title rows
        t_csv = timed(lambda: read_points(csv_path, "clients", DataQuality()), a.repeat)
        opts = pacsv.ParseOptions(delimiter=";")
        ro = pacsv.ReadOptions(skip_rows=2)
        t_peer = timed(lambda: pacsv.read_csv(csv_path, ro, opts), a.repeat)
        q = DataQuality()
        x = read_points(xlsx_path, "clients", q)
        assert len(x) == a.xlsx_rows, len(x)
        t_x = timed(lambda: read_points(xlsx_path, "clients", DataQuality()), a.repeat)
        t_xpeer = timed(lambda: pd.read_excel(xlsx_path, sheet_name=None, dtype=str), a.repeat)
        rss = child_peak(xlsx_path)
    print(f"CSV  {a.rows:,} rows, 2 title rows: read_points {t_csv:.2f} s "
          f"(pyarrow.csv.read_csv, no checks: {t_peer:.2f} s)")  # fmt: skip
    print(f"XLSX {a.xlsx_rows:,} rows on 2 sheets after 'Petunjuk': read_points {t_x:.2f} s "
          f"(pandas.read_excel all sheets, no header search: {t_xpeer:.2f} s); "
          f"peak RSS {rss:.0f} MB")  # fmt: skip
    print(json.dumps({"quality_rows_xlsx": len(q)}))
    print(
        f"read_csv_1m_s={t_csv:.2f} peer_arrow_csv_s={t_peer:.2f} read_xlsx_s={t_x:.2f} "
        f"peer_read_excel_s={t_xpeer:.2f} xlsx_peak_rss_mb={rss:.0f}"
    )


if __name__ == "__main__":
    main()
