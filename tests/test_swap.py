"""The swap test on the published tier (issue 20), run in CI on every change: two rosters that
differ only by one client (with a NIK) moving between two villages of one kecamatan that each
have fewer than k clients in the register give byte-identical ``ibm-geo plan`` artefacts and
CLI output, apart from creation dates (normalised, see :func:`normalise`). Formula-agnostic: it
guards every future score component, export or plan figure. A negative control moves a client
out of a village that publishes its counts and sees the ranking change."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import _fixtures as fx
from typer.testing import CliRunner

from ibm_geo.cli import app

runner = CliRunner()

# clients per unit of the 4 x 3 fixture grid (kecamatan = rows of 4, two kab/kota)
PER_UNIT = [30, 2, 3, 14, 25, 1, 4, 9, 18, 2, 3, 40]
SWAP_FROM, SWAP_TO = 2, 1  # 3 -> 2 and 2 -> 3 clients, same kecamatan, both opaque (k = 5)
STATUS = ["belum", "belum", "aktif", "belum", "selesai", "putus", "belum", ""]
TINGKAT = ["ringan", "sedang", "berat", "ringan", "sedang"]


def _roster(swap: bool, src: int = SWAP_FROM, dst: int = SWAP_TO) -> str:
    g = fx.grid()
    rows = ["client_id;nama;kode;kelurahan;tahun_rehab;tingkat;status_pasca;jenis_layanan"]
    n = 0
    for i, kode in enumerate(g["kode"]):
        count = PER_UNIT[i]
        if i == src:  # one of its clients is the mover, written below
            count -= 1
        for j in range(count):
            n += 1
            rows.append(
                f"KLIEN-{5000 + n};Rahasia Orang {n};{kode};{g['nama'][i]};{2019 + j % 6};"
                f"{TINGKAT[(i + j) % 5]};{STATUS[(i * 3 + j) % 8]};"
                f"{'rawat jalan' if (i + j) % 3 else 'rawat inap'}"
            )
    # the moving client: identical attributes, only the village differs
    target = dst if swap else src
    rows.append(
        f"KLIEN-9999;Rahasia Pindah;{g['kode'][target]};{g['nama'][target]};2024;ringan;belum;"
        "rawat jalan"
    )
    return "\n".join(rows) + "\n"


AGENTS = "agen_id;nama;kode;kapasitas;aktif\nAG-1;Agen Satu;{k0};3;ya\nAG-2;Agen Dua;{k11};10;ya\n"


def _write_inputs(d: Path, swap: bool, **move) -> list[str]:
    d.mkdir(parents=True, exist_ok=True)
    g = fx.grid()
    (d / "b.geojson").write_text(g.to_json())
    (d / "klien.csv").write_text(_roster(swap, **move), encoding="utf-8")
    (d / "agen.csv").write_text(AGENTS.format(k0=g["kode"][0], k11=g["kode"][11]))
    return [
        "--boundaries",
        str(d / "b.geojson"),
        "--clients",
        str(d / "klien.csv"),
        "--agents",
        str(d / "agen.csv"),
    ]


_DATES = [
    re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
    re.compile(rb"D:\d{14}(?:[+-Z][0-9']*)?"),  # PDF dates
    re.compile(rb"/ID \[<[0-9a-f]+> <[0-9a-f]+>\]", re.I),  # PDF file id (hash of the date)
    re.compile(rb"\d{4}-\d{2}-\d{2}"),
]


def normalise(blob: bytes) -> list[bytes]:
    """An artefact as comparable parts: ZIP members by name (XLSX, PPTX), everything with
    creation dates and timestamps replaced by a fixed token. Nothing else is touched."""
    if blob[:2] == b"PK":
        out = []
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            for name in sorted(z.namelist()):
                out.append(name.encode())
                out += normalise(z.read(name))
        return out
    for pat in _DATES:
        blob = pat.sub(b"<date>", blob)
    return [blob]


def _plan(tmp: Path, swap: bool) -> dict[str, bytes]:
    args = _write_inputs(tmp / ("in_b" if swap else "in_a"), swap)
    out = tmp / ("out_b" if swap else "out_a")
    r = runner.invoke(app, ["plan", *args, "--out", str(out), "--groups", "2"])
    assert r.exit_code == 0, r.output
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    files["stdout"] = r.output.encode()
    return files


def test_swap_between_opaque_villages_changes_no_published_byte(tmp_path):
    a = _plan(tmp_path, swap=False)
    b = _plan(tmp_path, swap=True)
    # the rosters really differ, in the exact counts of two villages of one kecamatan
    assert (tmp_path / "in_a" / "klien.csv").read_bytes() != (
        tmp_path / "in_b" / "klien.csv"
    ).read_bytes()
    assert set(a) == set(b) and {"ranking.csv", "plan.csv", "rakor.pptx", "map.png"} <= set(a)
    for name in a:
        na, nb = normalise(a[name]), normalise(b[name])
        assert len(na) == len(nb), name
        for pa, pb in zip(na, nb, strict=True):
            assert pa == pb, (name, pa[:200], pb[:200])


def test_swap_test_can_fail_when_a_published_count_moves(tmp_path):
    """Negative control: the same move out of a village that publishes its counts (30 clients)
    changes the ranking file, so the byte comparison above is not vacuous."""
    outs = []
    for swap in (False, True):
        args = _write_inputs(tmp_path / f"in{swap}", swap, src=0, dst=1)
        out = tmp_path / f"out{swap}"
        r = runner.invoke(app, ["analyze", *args, "--out", str(out), "--no-map"])
        assert r.exit_code == 0, r.output
        outs.append((out / "ranking.csv").read_bytes())
    assert outs[0] != outs[1]
