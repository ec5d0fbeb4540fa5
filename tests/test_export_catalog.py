"""Every file is declared once (issue 24): a consumer that offers a file the export catalogue
does not declare fails here -- the CLI (analyze and plan, as written to disk), the app's
downloads, the office workspace, the app's workspace download list, the Capaian CSVs, the phase
sheets and the file names the deck prints."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pptx import Presentation
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.export.catalog import BY_FILENAME, CATALOG, CHANNELS, NEEDS, exports, filename
from ibm_geo.monitoring import monitor, read_targets
from ibm_geo.office.workspace import published_files
from ibm_geo.pipeline import analyze
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.publish import publish
from ibm_geo_app import downloads as app_downloads
from ibm_geo_app.office import DOWNLOAD_KEYS

DECLARED = set(BY_FILENAME)


@pytest.fixture(scope="module")
def demo():
    p = demo_paths()
    sc = Scenario(
        plan={"p": 4, "phases": [{"year": 2025, "groups": 2}, {"year": 2026, "groups": 2}]}
    )
    r = analyze(p["boundaries"], p["clients"], p["agents"], p["service_points"], sc)
    plan = plan_recruitment(r.kelurahan, sc)
    pilots = choose_pilots(r.kelurahan, sc, sites=plan.sites)
    mon = monitor(r, read_targets(p["targets"], r.kelurahan))
    return r, plan, pilots, mon


def test_the_catalogue_declares_each_file_once_with_known_needs_and_channels():
    assert len(CATALOG) == len(DECLARED) == len({e.key for e in CATALOG})
    for e in CATALOG:
        assert set(e.needs) <= set(NEEDS), e.key
        assert e.channels and set(e.channels) <= set(CHANNELS), e.key
        assert re.fullmatch(r"[a-z0-9_]+\.[a-z0-9.]+", e.filename), e.filename
    assert filename("quality_csv") == "data_quality.csv"


def test_app_downloads_and_workspace_offer_only_catalogue_files(demo):
    r, plan, pilots, mon = demo
    with_plan = publish(r, plan, pilots)
    app_files = [f for _, f, _, _ in app_downloads.export_items(with_plan, "id", monitoring=mon)]
    assert set(app_files) <= DECLARED and len(app_files) == 12
    # the label and the MIME type are the catalogue's too
    for label, f, mime, _ in app_downloads.export_items(with_plan, "id"):
        assert (BY_FILENAME[f].label, BY_FILENAME[f].mime) == (label, mime)
    no_plan = [f for _, f, _, _ in app_downloads.export_items(publish(r), "id")]
    assert set(no_plan) <= DECLARED and "plan.csv" not in no_plan
    stored = published_files(with_plan)
    assert list(stored) == [
        "ranking.csv", "scenario.toml", "kab_totals.csv", "plan.csv", "pilots.csv", "curve.csv",
    ]  # fmt: skip
    assert "plan.csv" not in published_files(publish(r))
    assert set(DOWNLOAD_KEYS) <= DECLARED and set(stored) <= set(DOWNLOAD_KEYS)
    # the Capaian CSVs the app's Capaian step offers, and the phase sheets the CLI writes
    assert set(mon.csv_files()) <= DECLARED
    phased = publish(r, plan, pilots, phased=_phased(r)).phases
    assert {f"{n}.csv" for n in phased.sheets()} <= DECLARED


def _phased(r):
    from ibm_geo.plan.phases import plan_phases, unserved_by_year

    return plan_phases(r.kelurahan, r.scenario, yearly_unserved=unserved_by_year(r))


def test_cli_writes_exactly_the_catalogue_files_and_the_deck_names_them(tmp_path):
    d = demo_paths()
    args = ["--boundaries", str(d["boundaries"]), "--clients", str(d["clients"]),
            "--agents", str(d["agents"]), "--service-points", str(d["service_points"])]  # fmt: skip
    res = CliRunner().invoke(app, ["plan", *args, "--out", str(tmp_path / "p"), "-p", "3",
                                   "--targets", str(d["targets"])])  # fmt: skip
    assert res.exit_code == 0, res.output
    written = sorted(f.name for f in (tmp_path / "p").iterdir())
    assert set(written) <= DECLARED, set(written) - DECLARED
    line = next(ln for ln in res.output.splitlines() if ln.startswith("ditulis: "))
    assert sorted(line.removeprefix("ditulis: ").split(", ")) == written
    # the order is the catalogue's, and every cli/cli_plan export that is available is there
    order = [e.filename for e in CATALOG]
    assert line.removeprefix("ditulis: ").split(", ") == sorted(written, key=order.index)
    for must in ("ranking.csv", "data_quality.csv", "plan.csv", "rakor.pptx", "progress.csv"):
        assert must in written
    res = CliRunner().invoke(app, ["analyze", *args, "--out", str(tmp_path / "a"), "--no-map"])
    assert res.exit_code == 0, res.output
    analysed = {f.name for f in (tmp_path / "a").iterdir()}
    assert analysed <= DECLARED and "map.html" not in analysed and "plan.csv" not in analysed
    assert analysed == {e.filename for e in CATALOG if "cli" in e.channels and not e.needs} - {
        "map.html"
    }
    # every file name the deck prints is one the CLI wrote
    deck = Presentation(str(tmp_path / "p" / "rakor.pptx"))
    text = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    named = Counter(
        re.findall(r"\b[a-z_0-9]+\.(?:csv|xlsx|pptx|geojson|html|png|pdf|toml)\b", text)
    )
    inputs = {str(v).rsplit("/", 1)[-1] for v in d.values()}  # the source credit names them
    assert set(named) - inputs == {"data_quality.csv"} <= set(written), named


def test_exports_for_an_unknown_channel_is_an_error(demo):
    r, *_ = demo
    with pytest.raises(ValueError):
        exports(publish(r), "email")


def test_no_consumer_names_a_published_file_outside_the_catalogue():
    """Literal file names in the shells: every download button and every file the CLI writes
    takes its name from the catalogue; the office's audit log (not a published result: it is
    built from the audit table, not from the published tier) is the one exception."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    not_published = {"audit_log.csv", "audit-checkpoint.json"}
    sources = [root / "app.py", *sorted((root / "ibm_geo_app").glob("*.py"))]
    sources += [*sorted((root / "ibm_geo" / "cli").glob("*.py"))]
    sources += [root / "ibm_geo" / "office" / "workspace.py"]
    literal = re.compile(r"""(?:file_name=|write_bytes\(|put\()\s*["']([^"']+)["']""")
    found = {m for src in sources for m in literal.findall(src.read_text(encoding="utf-8"))}
    assert found == not_published, found - not_published
