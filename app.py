"""ibm-geo planner app (Streamlit): Data -> Peta -> Skor -> Rencana -> Ekspor.

A thin shell: it reads widgets, calls :mod:`ibm_geo` (pipeline, plan, render, export), caches the
expensive steps and shows results. Run with ``bash scripts/run_app.sh`` (demo data at start).
"""

from __future__ import annotations

import hashlib
import hmac
import json

import numpy as np
import pandas as pd
import streamlit as st

from ibm_geo.config import STATUSES, Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.errors import IbmGeoError, UserError
from ibm_geo.export.catalog import filename
from ibm_geo.i18n import column_label, t, text_column, value_label
from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs, rescore
from ibm_geo.plan import choose_pilots, compare_scenarios, plan_recruitment
from ibm_geo.publish import COUNT_COLUMNS, Published, is_band, publish
from ibm_geo.record_keys import fingerprint
from ibm_geo.render.basemap import road_lines
from ibm_geo.render.text import fmt_num
from ibm_geo.scoring import COMPONENTS, class_labels
from ibm_geo_app import compare as app_compare
from ibm_geo_app import downloads as app_downloads
from ibm_geo_app import inputs as app_inputs
from ibm_geo_app import map as appmap
from ibm_geo_app import names as app_names
from ibm_geo_app import office as app_office
from ibm_geo_app import serve as app_serve
from ibm_geo_app import state as app_state

st.set_page_config(page_title="ibm-geo", page_icon="\U0001f5fa", layout="wide")
STEPS = ("data", "map", "score", "plan", "export", "progress")


def L() -> str:  # noqa: N802 - short on purpose: used in every label
    return st.session_state.get("lang", "id")


def tr(key: str, **fmt) -> str:
    return t(key, L(), **fmt)


def widget_words() -> None:
    """Streamlit's own words in the reader's language. Streamlit 1.67 has no locale option for
    them: the uploader's "Upload" button, its "50MB per file" line and the drop overlay are
    hidden by CSS and our catalogue's words put in their place (texts from the catalogue only,
    quoted as CSS strings)."""
    import json

    limit = int(st.get_option("server.maxUploadSize"))
    q = {k: json.dumps(tr(k, mb=limit)) for k in ("up.button", "up.limit", "up.drop")}
    zone = '[data-testid="stFileUploaderDropzone"]'
    st.html(
        "<style>"
        f"{zone} button [data-testid=stMarkdownContainer] p{{display:none}}"
        f"{zone} button [data-testid=stMarkdownContainer]::after{{content:{q['up.button']}}}"
        f"{zone} [data-testid=stFileUploaderDropzoneInstructions] span{{font-size:0}}"
        f"{zone} [data-testid=stFileUploaderDropzoneInstructions] span::after"
        f"{{content:{q['up.limit']};font-size:0.875rem}}"
        f"{zone} > div:not([data-testid]) span{{font-size:0}}"
        f"{zone} > div:not([data-testid]) span::after{{content:{q['up.drop']};font-size:1rem}}"
        "</style>"
    )


def uploader(label: str, container=None, **kw):
    """``st.file_uploader`` with our help line (formats and the size limit in the reader's
    words)."""
    limit = int(st.get_option("server.maxUploadSize"))
    return (container or st).file_uploader(label, help=tr("up.help", mb=limit), **kw)


def table(df: pd.DataFrame, container=None, **kw) -> None:
    """``st.dataframe``, or one line in the reader's language for an empty table (Streamlit
    writes "empty" in an empty grid)."""
    if df is None or not len(df):
        (container or st).info(tr("app.no_rows"))
        return
    kw.setdefault("hide_index", True)
    (container or st).dataframe(df, **kw)


# ------------------------------------------------------------------------------------------ login
def _secret(key: str):
    try:
        return st.secrets.get(key) if key in st.secrets else None
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return None


def auth_gate() -> bool:
    """OIDC (``[auth]`` in secrets) > shared password (``app_password``) > open (localhost)."""
    if _secret("auth"):
        if not st.user.is_logged_in:
            st.button(tr("auth.login_oidc"), on_click=st.login)
            return False
        st.sidebar.button(tr("auth.logout"), on_click=st.logout)
        return True
    pw = _secret("app_password")
    if not pw or st.session_state.get("auth_ok"):
        return True
    throttle = _login_throttle()
    with st.form("login"):
        typed = st.text_input(tr("office.cli.password"), type="password")
        if st.form_submit_button(tr("auth.enter")):
            # check-and-count in one step: parallel guesses never get more checks than allowed
            left = throttle.attempt()
            if left > 0:  # not even checked: a guess during the back-off costs nothing to refuse
                st.error(tr("auth.wait", s=int(left) + 1))
            elif hmac.compare_digest(typed.encode("utf-8"), str(pw).encode("utf-8")):
                throttle.succeeded()
                st.session_state["auth_ok"] = True
                st.rerun()
            else:
                st.error(tr("auth.wrong"))
    return False


@st.cache_resource
def _login_throttle():
    """One back-off for the whole server (a new browser tab does not reset it)."""
    from ibm_geo_app.throttle import LoginThrottle

    return LoginThrottle()


# ---------------------------------------------------------------------------------------- caching
# cache_resource, not cache_data: cache_data pickles and unpickles its value on every rerun, which
# for a joined national client table costs seconds and would break the <= 1 s re-weighting. The
# keys are hashes of the uploaded bytes and the scenario JSON, so sessions never see each other's
# results unless they uploaded the very same files; results are treated as read-only.
@st.cache_resource(max_entries=4, show_spinner=False)
def get_joined(sources: tuple, maps_json: str, choices_json: str, fuzzy: float):
    """load + join: the expensive step, cached on the file contents and the column mapping.

    ``sources`` = ((kind, name, bytes | path-str), ...). Raises IbmGeoError for unusable files.
    """
    src = {kind: data for kind, _, data in sources}
    names = {kind: name for kind, name, _ in sources}
    maps = json.loads(maps_json)
    # the workbook sheet / GeoPackage layer the planner chose when asked (CLI: --sheet/--layer)
    read_options = {opt: maps.pop(key, None) for opt, key in READ_KEYS.items()}
    inputs = load_inputs(
        src["boundaries"],
        src["clients"],
        src.get("agents"),
        src.get("service_points"),
        names=names,
        column_maps=maps or None,
        read_options=read_options,
    )
    return join_inputs(inputs, fuzzy, json.loads(choices_json))


@st.cache_resource(max_entries=8, show_spinner=False)
def get_analysis(
    _joined,
    joined_key: str,
    analysis_json: str,
    _roads=None,
    roads_key: str = "",
    _secret: bytes | None = None,
    secret_key: str = "",
):
    """Coverage and counts: keyed on the analysis part of the scenario only (weights, classes,
    plan settings are not in it), so a weight slider never re-runs this. ``_roads``: the
    uploaded road network (its content hash is ``roads_key``); ``_secret``: the record-key
    secret (the office's own, None for the installation's), named by ``secret_key`` so that
    figures published under one secret are never served under another."""
    return analyze_joined(
        _joined, Scenario.model_validate_json(analysis_json), _roads, secret=_secret
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def get_scored(_result, result_key: str, scenario_json: str):
    return rescore(_result, Scenario.model_validate_json(scenario_json))


# --------------------------------------------------------------------------------- data sources
def demo_sources() -> tuple:
    p = demo_paths()
    return tuple((k, p[k].name, str(p[k])) for k in app_state.KINDS)


def sources_key(sources: tuple) -> str:
    h = hashlib.sha256()
    for kind, name, data in sources:
        h.update(f"{kind}|{name}|".encode())
        h.update(data if isinstance(data, bytes) else data.encode())
    return h.hexdigest()[:16]


def init_state() -> None:
    ss = st.session_state
    if "sources" not in ss:
        ss["sources"] = demo_sources()
        ss["is_demo"] = True
        ss["maps"] = {}
    if "w_unserved_count" not in ss:
        ss.update(app_state.scenario_to_state(Scenario()))
    if "pending_state" in ss:
        ss.update(ss.pop("pending_state"))
    # keep widget values when a step's widgets are not drawn in this run
    for k in app_state.STATE_KEYS:
        if k in ss:
            ss[k] = ss[k]


def current_joined():
    """The joined inputs of the accepted sources (falls back to demo if they fail)."""
    ss = st.session_state
    key = sources_key(ss["sources"]) + json.dumps(ss["maps"], sort_keys=True)
    choices = json.dumps(ss.get("place_choices") or {}, sort_keys=True)
    key += choices
    with st.spinner(tr("data.loading")):
        joined = get_joined(
            ss["sources"],
            json.dumps(ss["maps"], sort_keys=True),
            choices,
            Scenario().fuzzy_threshold,
        )
    return joined, hashlib.sha256(key.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------- sidebar
def year_range(joined) -> tuple[int, int]:
    y = pd.to_numeric(joined.clients.table["tahun_rehab"], errors="coerce").dropna()
    return (int(y.min()), int(y.max())) if len(y) else (2015, 2025)


def sidebar_filters(joined) -> tuple[int, int]:
    """Filters and coverage assumptions: they change counts (``analyze_joined``)."""
    sb = st.sidebar
    sb.subheader(tr("f.title"))
    units = joined.units
    ss = st.session_state
    provs = sorted(units["provinsi"].dropna().astype(str).unique()) if "provinsi" in units else []
    ss["f_prov"] = [p for p in ss.get("f_prov", []) if p in provs]
    if len(provs) > 1:  # a national or multi-province file: the BNNP's own province first
        sb.multiselect(tr("f.prov"), provs, key="f_prov", placeholder=tr("f.all"))
        units = units[units["provinsi"].astype(str).isin(ss["f_prov"])] if ss["f_prov"] else units
    kabs = sorted(units["kab_kota"].dropna().astype(str).unique())
    ss["f_kab"] = [k for k in ss.get("f_kab", []) if k in kabs]
    sb.multiselect(tr("f.kab"), kabs, key="f_kab", placeholder=tr("f.all"))
    sub = units[units["kab_kota"].astype(str).isin(ss["f_kab"])] if ss["f_kab"] else units
    kecs = sorted(sub["kecamatan"].dropna().astype(str).unique())
    ss["f_kec"] = [k for k in ss.get("f_kec", []) if k in kecs]
    sb.multiselect(tr("field.kecamatan"), kecs, key="f_kec", placeholder=tr("f.all"))
    yr = year_range(joined)
    lo, hi = ss.get("f_years", yr)
    ss["f_years"] = (max(yr[0], min(lo, yr[1])), min(yr[1], max(hi, yr[0])))
    if yr[0] < yr[1]:
        sb.slider(tr("f.years"), yr[0], yr[1], key="f_years")
    sb.multiselect(tr("f.status"), list(STATUSES), key="f_status", placeholder=tr("f.all"))
    sb.number_input(tr("f.radius"), 100, 50000, step=100, key="radius_m")
    sb.number_input(tr("f.capacity"), 1, 500, step=1, key="default_capacity")
    return yr


def current_scenario(yr: tuple[int, int]) -> Scenario:
    state = {k: st.session_state[k] for k in app_state.STATE_KEYS if k in st.session_state}
    base = st.session_state.get("base_scenario") or Scenario()
    return app_state.scenario_from_state(state, base, yr)


# ------------------------------------------------------------------------------------- 1. Data
def step_data(result, principal=None, full=None) -> None:
    """Sources, roads, quality and the questions; in office mode also what the planner's area
    cut away from their upload (``full`` = the joined inputs before the cut and their key)."""
    ss = st.session_state
    key = f"data_mode_{L()}"
    if key not in ss:  # drawn again (back on this step, other language): what is loaded
        ss[key] = app_state.data_mode(bool(ss.get("is_demo")))
    mode = st.radio(
        tr("data.source"),
        ["demo", "upload"],
        format_func=lambda m: tr("data.demo") if m == "demo" else tr("data.upload"),
        key=key,
        horizontal=True,
    )
    if mode == "demo":
        if not ss.get("is_demo") and st.button(tr("data.demo"), key="use_demo"):
            ss.update(sources=demo_sources(), is_demo=True, maps={})
            st.rerun()
    else:
        upload_form()
    if ss.get("received") and not ss.get("is_demo"):
        st.success(ss["received"])
        if ss.get("received_unaccounted"):
            st.error(ss["received_unaccounted"])
    pending = ss.get("mapping_needed")
    if pending:
        mapping_form(pending)
    if ss.get("choice_needed"):
        read_choice_form(ss["choice_needed"])
    st.caption(
        tr("data.loaded", sources=app_inputs.md_escape(", ".join(n for _, n, _ in ss["sources"])))
    )
    roads_form()
    quality_report(result)
    if principal is not None and full is not None:
        app_office.scope_cut_block(principal, *full, result.joined.units, L())
    quality_details(result)


# --------------------------------------------------------------- road-network travel (issue 12)
@st.cache_resource(max_entries=2, show_spinner=False)
def get_roads(name: str, key: str, travel: str, _data):
    """The uploaded OSM extract read for one travel mode (cached on its content hash)."""
    from ibm_geo.roads import read_osm

    return read_osm(_data, travel, name=name)


def roads_form() -> None:
    """Upload of an OSM extract: reach, distances and the plan then follow the roads."""
    ss = st.session_state
    st.subheader(tr("roads.title"))
    st.caption(tr("roads.help"))
    f = uploader(tr("roads.upload"), type=["pbf", "osm", "bz2"], key="up_roads")
    if f is not None and (ss.get("roads_src") or ("", b""))[0] != f.name:
        ss["roads_src"] = (f.name, f.getvalue())
        ss["roads_on"] = True
    if ss.get("roads_src"):
        ss.setdefault("roads_on", True)
        st.checkbox(tr("roads.use"), key="roads_on")
        st.radio(
            tr("roads.travel"), ["motor", "walk"],
            format_func=lambda v: tr("roads.motor") if v == "motor" else tr("roads.walk"),
            key="roads_travel", horizontal=True,
        )  # fmt: skip
    if ss.get("roads_error"):
        st.error(ss["roads_error"])


def current_roads():
    """(network or None, content key): only an extract uploaded in this session is ever read,
    never a path named in a loaded scenario file."""
    ss = st.session_state
    for k in ("roads_on", "roads_travel"):  # kept while the data step's widgets are not drawn
        if k in ss:
            ss[k] = ss[k]
    src = ss.get("roads_src")
    if not src or not ss.get("roads_on", True):
        return None, ""
    name, data = src
    raw = data if isinstance(data, bytes) else data.encode()
    key = hashlib.sha256(raw).hexdigest()[:16]
    try:
        with st.spinner(tr("roads.loading")):
            net = get_roads(name, key, ss.get("roads_travel", "motor"), data)
    except IbmGeoError as e:
        ss["roads_error"] = e.message(L())
        ss.pop("roads_src", None)
        return None, ""
    ss.pop("roads_error", None)
    return net, key


def with_roads(sc: Scenario, net) -> Scenario:
    """The scenario's roads block follows the upload (straight lines without one)."""
    upd = {"distance": "straight", "extract": None}
    if net is not None:
        upd = {"distance": "road", "extract": net.source, "travel": net.profile}
    return sc.model_copy(update={"roads": sc.roads.model_copy(update=upd)})


def road_backend(result):
    d = result.distance
    return d if getattr(d, "kind", "straight") == "road" else None


def upload_form() -> None:
    """Uploads and "Proses data" in one form: the files and the click reach the server together
    in one message, so under load nothing is half-sent (the files are applied or refused)."""
    files = {}
    with st.form("upload_form"):
        for kind in app_state.KINDS:
            files[kind] = uploader(tr(f"data.{kind}"), key=f"up_{kind}")
        go = st.form_submit_button(tr("data.process"), type="primary")
    if go:
        missing = [k for k in ("boundaries", "clients") if files[k] is None]
        if missing:  # said on the page, never a click that silently does nothing
            names = " + ".join(tr(f"data.kind.{k}") for k in missing)
            st.warning(tr("data.refused", missing=names))
            return
        sources = tuple((kind, f.name, f.getvalue()) for kind, f in files.items() if f is not None)
        try_sources(sources, {})


def received_note(sources: tuple, joined) -> str:
    """ "Received and processed: batas.geojson (716 rows), ...": what the server got and read,
    shown after "Proses data" so a planner sees that every file arrived."""
    rows = {
        "boundaries": len(joined.units),
        "clients": len(joined.clients.table),
        "agents": len(joined.agents.table),
        "service_points": len(joined.service_points.table),
    }
    files = ", ".join(
        tr("data.file_rows", name=app_inputs.md_escape(name), rows=fmt_num(rows[kind], L()))
        for kind, name, _ in sources
    )
    return tr("data.received", files=files)


#: quality actions of rows that were not read, or read but not placed (issue 21): the upload
#: confirmation says so in red instead of a row count that looks complete
UNACCOUNTED = (
    "not read",
    "quotes read as text; every line read as a row",
    "row kept, cannot be placed",
    "row not placed (no kelurahan written)",
)


def unaccounted_note(sources: tuple, joined) -> str:
    """ "klien.csv: 3 of 600 rows" for each file with rows not read or not placed ("" if none)."""
    q = joined.quality.to_frame()
    q = q[q["action"].isin(UNACCOUNTED) & q["row"].notna()]
    if q.empty:
        return ""
    totals = {
        "clients": len(joined.clients.table),
        "agents": len(joined.agents.table),
        "service_points": len(joined.service_points.table),
    }
    parts = []
    for kind, name, _ in sources:
        hit = q[q["file"].astype(str).str.startswith(name)]
        if len(hit) and kind in totals:
            parts.append(
                tr(
                    "data.rows_unaccounted_file",
                    name=app_inputs.md_escape(name),
                    rows=fmt_num(len(hit[["file", "row"]].drop_duplicates()), L()),
                    total=fmt_num(totals[kind], L()),
                )
            )
    return tr("data.rows_unaccounted", files="; ".join(parts)) if parts else ""


def try_sources(sources: tuple, maps: dict) -> None:
    """Accept new sources only if they load; otherwise explain and keep the previous state."""
    ss = st.session_state
    try:
        with st.spinner(tr("data.loading")):
            joined = get_joined(
                sources, json.dumps(maps, sort_keys=True), "{}", Scenario().fuzzy_threshold
            )
    except IbmGeoError as e:
        ss["last_error"] = describe_error(e)
        failed = getattr(e, "table", None) or e.params.get("file")
        kind = next((k for k, n, _ in sources if n == failed), None)
        if kind is not None and e.code in MAPPABLE:
            ss["mapping_needed"] = {"kind": kind, "sources": sources, "maps": maps}
        if e.code in ASK:
            opt, param = ASK[e.code]
            ss["choice_needed"] = {
                "option": opt,
                "sources": sources,
                "maps": maps,
                "choices": list(e.params[param]),
            }
        st.error(ss["last_error"])
        return
    except (ValueError, OSError) as e:
        ss["last_error"] = tr("data.error", file="?", col="", msg=app_inputs.md_escape(e))
        st.error(ss["last_error"])
        return
    except Exception as e:  # noqa: BLE001 - a bug: still a message, never Streamlit's error page
        err = UserError("cli.internal", detail=f"{type(e).__name__}: {e}"[:300])
        ss["last_error"] = app_inputs.md_escape(err.message(L()))
        st.error(ss["last_error"])
        return
    ss.update(sources=sources, is_demo=False, maps=maps, mapping_needed=None, choice_needed=None)
    ss.pop("last_error", None)
    ss["received"] = received_note(sources, joined)
    ss["received_unaccounted"] = unaccounted_note(sources, joined)
    if isinstance(ss.get("principal"), app_office.Principal):  # office mode: log fingerprints
        app_office.log_inputs(ss["principal"], sources, joined)
    st.rerun()


#: failures a column mapping can fix: the app then offers one selectbox per canonical column
MAPPABLE = ("input.generic", "input.no_location_column", "boundaries.no_name_column")
#: read option -> key in the column-mapping dict that carries the planner's choice to the loader
READ_KEYS = {"sheet": "_sheet", "layer": "_layer"}
#: errors that ask for a choice -> (read option, error parameter listing the choices)
ASK = {"input.sheets_differ": ("sheet", "sheets"), "boundaries.layers_ask": ("layer", "layers")}


def read_choice_form(pending: dict) -> None:
    """Sheets with different tables, or several polygon layers: the planner picks the one to
    read (CLI: --sheet / --layer)."""
    opt = pending["option"]
    pick = st.selectbox(tr(f"data.{opt}"), pending["choices"], key=f"{opt}_pick")
    if st.button(tr(f"data.{opt}_retry"), key=f"{opt}_retry"):
        try_sources(pending["sources"], {**pending["maps"], READ_KEYS[opt]: pick})


def describe_error(e: IbmGeoError) -> str:
    return app_inputs.error_message(e, L())


def mapping_form(pending: dict) -> None:
    """One selectbox per canonical column, built from the failing file's headers."""
    kind, sources = pending["kind"], pending["sources"]
    name, data = next((n, d) for k, n, d in sources if k == kind)
    raw = data if isinstance(data, bytes) else open(data, "rb").read()  # noqa: SIM115
    headers = app_inputs.headers_of(raw, name)
    st.warning(tr("data.mapping", file=app_inputs.md_escape(name)))
    none = tr("note.none")
    choices = {}
    cols = st.columns(3)
    for i, canon in enumerate(app_state.MAPPABLE[kind]):
        pick = cols[i % 3].selectbox(canon, [none, *headers], key=f"map_{kind}_{canon}")
        choices[canon] = None if pick == none else pick
    if st.button(tr("data.retry"), key="map_retry"):
        maps = dict(pending["maps"])
        maps[kind] = app_inputs.mapping_from_choices(choices)
        try_sources(sources, maps)


def quality_report(result) -> None:
    st.subheader(tr("q.title"))
    table(app_inputs.quality_overview(result, L()), hide_index=True, width="stretch")
    blank = app_names.blank_status_rows(result.joined.clients.table)
    if len(blank):
        shown = ", ".join(str(r) for r in blank[:20]) + (" ..." if len(blank) > 20 else "")
        st.warning(tr("q.blank_status", n=len(blank), rows=shown))
    name_questions(result)


def name_questions(result) -> None:
    """One question per distinct written place: the automatic match shown and confirmable,
    the suggestions, and a search over every unit; the answer is kept for every spelling.
    Widgets are keyed by the written place (``qid``), never by the question's position: an
    answered question leaves, and the others keep their own choice and search text."""
    ss = st.session_state
    lookup = app_inputs.candidate_lookup(result.joined.units)  # once, not per name (83k units)
    chosen = ss.get("place_choices") or {}
    all_todo = app_names.questions(
        result.matches, lookup, chosen, elsewhere=app_inputs.RESOLVE_LIMIT
    )
    outside_done = app_names.confirmed_outside(result.matches, chosen)
    if outside_done[0]:
        st.caption(tr("q.outside_done", n=outside_done[0], rows=fmt_num(outside_done[1], L())))
    if ss.get("names_applied"):
        st.success(tr("q.applied", n=ss.pop("names_applied")))
    todo = all_todo.head(app_inputs.RESOLVE_LIMIT)
    if not len(todo):
        return
    st.markdown(tr("q.choose"))
    if len(all_todo) > len(todo):
        st.caption(tr("q.more", n=len(todo), total=len(all_todo)))
    e = app_inputs.md_escape
    picks: dict[str, str] = {}
    answered = 0
    for rec in todo.to_dict("records"):
        qid = rec["qid"]
        opts: dict[str, str] = {}
        if rec["outside"]:
            opts[tr("q.confirm_outside")] = app_names.OUTSIDE
        if rec["auto_kode"]:
            opts[tr("q.confirm", label=rec["auto_label"] or rec["auto_kode"])] = rec["auto_kode"]
        opts.update(rec["candidates"])
        found = ss.get(f"srch_{qid}")
        if found:
            opts.update(app_names.search_units(found, lookup))
        auto = f" -> {e(rec['auto_label'])}" if rec["auto_label"] else ""
        label = f"{e(rec['written_name'])} - {rec['rows']} x [{value_label('match', rec['method'], L())}{auto}]"
        if len(rec["spellings"]) > 1:
            label += " " + tr("q.spellings", n=len(rec["spellings"]))
        keep = tr("q.keep")
        c1, c2 = st.columns([3, 2])
        choice = c1.selectbox(label, [keep, *opts], key=f"res_{qid}")
        c2.text_input(tr("q.search"), key=f"srch_{qid}")
        if rec["outside"]:
            where = "q.outside_sure" if rec["outside_sure"] else "q.outside_maybe"
            c1.caption(tr(where, places=e(rec["outside"])))
        if len(rec["spellings"]) > 1:
            c1.caption("; ".join(e(x) for x in rec["spellings"][:6]))
        if choice != keep and choice in opts:
            answered += 1
            for key in rec["keys"]:
                picks[key] = opts[choice]
    if picks and st.button(tr("q.apply"), key="apply_res"):
        # kept in the scenario (saved with it), so a rerun places the same rows
        ss["place_choices"] = {**chosen, **picks}
        ss["names_applied"] = answered
        st.rerun()


def quality_details(result) -> None:
    with st.expander(tr("q.problems")):
        if len(result.quality):
            from ibm_geo.quality_text import localize_quality

            table(localize_quality(result.quality, L()), hide_index=True, width="stretch")
        else:
            st.info(tr("q.none"))
    from ibm_geo.export.tables import csv_text
    from ibm_geo.privacy import public_quality

    st.download_button(
        tr("q.download"),
        data=app_office.wrap(
            st.session_state.get("principal"),
            filename("quality_csv"),
            lambda: csv_text(public_quality(result.quality, L())).encode("utf-8"),
            result.kelurahan,
            result.scenario,
        ),
        file_name=filename("quality_csv"),
        mime="text/csv",
        on_click="ignore",
        key="dl_quality",
    )


# --------------------------------------------------------------------------------------- 2. Peta
def step_map(result, sc: Scenario, sites: pd.DataFrame | None = None, key: str = "map") -> None:
    k = result.kelurahan
    s = result.summary
    st.caption(
        tr(
            "m.summary",
            clients=fmt_num(s["clients"], L()),
            unserved=fmt_num(s["unserved"], L()),
            agents=fmt_num(s["agents_active"], L()),
        )
    )
    c1, c2 = st.columns(2)
    show = c1.checkbox(tr("m.show_clients"), value=True, key=f"{key}_clients")
    tiles = c2.checkbox(tr("m.tiles"), value=False, key=f"{key}_tiles", help=tr("m.tiles_help"))
    ss = st.session_state
    sel = ss.get("selected_kode")
    shown = appmap.map_units(k)
    if len(shown) < len(k):
        st.info(tr("m.truncated", n=len(shown), total=len(k)))
    k = shown
    col_map, col_info = st.columns([3, 2])
    with col_map:
        roads = getattr(result.distance, "kind", "straight") == "road"
        draw_map(result, sc, sites=sites, show_clients=show, key=key, tiles=tiles, roads=roads)
        has_sites = sites is not None and len(sites) > 0
        legend = app_serve.shared(
            result,
            (sc.to_json(), L(), has_sites, roads, tiles, bool(show)),
            lambda: appmap.legend_html(
                result.kelurahan, sc, L(), sites=has_sites, roads=roads, tiles=tiles,
                clients=bool(show),
            ),
            slot="_legend_cache",
        )  # fmt: skip
        st.markdown(legend, unsafe_allow_html=True)
    with col_info:
        labels = app_serve.shared(  # one label per unit, built once per result
            result,
            (len(k),),
            lambda: {r["kode"]: app_inputs.unit_label(r) for r in k.to_dict("records")},
            slot="_label_cache",
        )
        kodes = list(labels)
        if sel not in labels:
            sel = kodes[0] if kodes else None
        if kodes:
            ss[f"{key}_pick"] = sel
            st.selectbox(
                tr("m.pick"),
                kodes,
                format_func=labels.get,
                key=f"{key}_pick",
                on_change=lambda: ss.update(selected_kode=ss[f"{key}_pick"]),
            )
            shown_counts = on_screen_units(result, sc.suppression_k).set_index("kode")
            unit_details(k[k["kode"] == sel].iloc[0], shown_counts.loc[sel])


def draw_map(
    result, sc, *, sites=None, show_clients=True, key="map", tiles=False, roads=False
) -> None:
    """Leaflet map through st_folium; only a click on a kelurahan reruns the script. The map is
    built once per result and view and shared by the sessions showing it (ibm_geo_app.serve)."""
    selected = st.session_state.get("selected_kode")

    rakor = rakor_mode()

    def build():
        if rakor:  # the published tier: no client points, no agent names
            return appmap.build_app_map(
                appmap.map_units(published_view(result).geo),
                scenario=sc,
                service_points=published_view(result).context.service_points.assign(located=True),
                sites=sites,
                radius_m=sc.radius_m,
                lang=L(),
                selected=selected,
                units=result.joined.units,
                tiles=tiles,
                roads=road_lines(result) if roads else None,
            )
        return appmap.build_app_map(
            appmap.map_units(result.kelurahan),
            scenario=sc,
            clients=result.clients.loc[result.clients["located"].astype(bool)]
            if show_clients
            else None,
            agents=result.joined.agents.table,
            service_points=result.joined.service_points.table,
            sites=sites,
            radius_m=sc.radius_m,
            lang=L(),
            selected=selected,
            units=result.joined.units,
            tiles=tiles,
            roads=road_lines(result) if roads else None,
        )

    if app_serve.available():
        sites_key = None if sites is None else pd.util.hash_pandas_object(sites).sum()
        parts = (sc.to_json(), bool(show_clients), selected, L(), sites_key, bool(tiles), rakor)
        prep = app_serve.prepared_map(result, parts, build)
        out = app_serve.show_map(
            prep, key=f"{key}_leaflet", height=560, returned_objects=["last_active_drawing"]
        )
    else:  # pragma: no cover - streamlit-folium missing or changed
        m = build()
        try:
            from streamlit_folium import st_folium
        except ImportError:
            st.components.v1.html(m.get_root().render(), height=560)
            return
        out = st_folium(
            m,
            height=560,
            width=None,
            returned_objects=["last_active_drawing"],
            key=f"{key}_leaflet",
        )
    kode = appmap.clicked_kode(out)
    if kode and kode != st.session_state.get(f"{key}_last_click"):
        st.session_state[f"{key}_last_click"] = kode
        st.session_state["selected_kode"] = kode
        st.rerun()


def rakor_mode() -> bool:
    """The "Mode rakor" switch: the screen shows the published tier (what the files hold)."""
    return bool(st.session_state.get("rakor_mode", False))


def published_view(result, run: dict | None = None) -> Published:
    """The published tier of this result (and of the kept plan run), shared by the sessions
    showing it: what the rakor mode shows and every download holds."""
    plan = run["plan"] if run else None
    pilots = run["pilots"] if run else None
    parts = (L(), id(plan), id(pilots))
    return app_serve.shared(
        result, parts, lambda: publish(result, plan, pilots, L()), slot="_published_cache"
    )


def on_screen_units(result, k: int) -> pd.DataFrame:
    """:func:`on_screen` of this result for every session (read-only): the working tier's exact
    table, or in rakor mode the published tier's, in the order of its own ranking."""
    lang = L()
    mode = rakor_mode()
    return app_serve.shared(
        result, (k, lang, mode), lambda: on_screen(result, mode), slot="_on_screen_cache"
    )


def on_screen(result, rakor: bool) -> pd.DataFrame:
    """Counts as text for the screen (a column mixing numbers and ``<k`` must be text for
    Arrow): exact in the working tier, as published (:func:`published_view`) in rakor mode,
    where score, rank, class, stability and reasons are the published tier's too."""
    if rakor:
        table = pd.DataFrame(published_view(result).ranking)
    else:
        table = result.kelurahan.drop(columns="geometry").sort_values("rank")
    out = table.copy()
    for c in COUNT_COLUMNS:
        if c in out:
            out[c] = [v if is_band(v) else fmt_num(int(v), L()) for v in out[c]]
    return out.reset_index(drop=True)


def unit_details(row: pd.Series, shown: pd.Series) -> None:
    """One village: rank and score as computed; counts as published (``shown``)."""
    e = app_inputs.md_escape
    st.markdown(
        f"**{e(row['nama'])}** — {e(row['kecamatan'])}, {e(row['kab_kota'])} ({e(row['kode'])})"
    )
    c1, c2, c3 = st.columns(3)

    rank, score = shown.get("rank", row["rank"]), shown.get("score", row["score"])
    c1.metric(t("field.rank", L()), "–" if pd.isna(rank) else fmt_num(int(rank), L()))
    c2.metric(t("field.score", L()), "–" if pd.isna(score) else fmt_num(float(score), L(), 1))
    c3.metric(t("field.unserved", L()), shown["unserved"])
    c1.metric(t("field.clients", L()), shown["clients"])
    c2.metric(t("field.served", L()), shown["served"])
    c3.metric(t("field.agents_active", L()), fmt_num(int(row["agents_active"]), L()))
    st.markdown(f"**{tr('m.why')}**")
    st.text(shown.get(text_column("reason", L()), ""))
    table(app_inputs.why_table(row, L()), hide_index=True, width="stretch")


# --------------------------------------------------------------------------------------- 3. Skor
def score_controls(sc: Scenario) -> None:
    """The weights in one form: every slider's value reaches the server with the click on
    "Terapkan bobot" (none lost between two moves under load), and the weights the ranking
    was computed with are written under it."""
    st.subheader(tr("method.weights"))
    st.caption(tr("s.weights_help"))
    with st.form("weights_form", border=False):
        cols = st.columns(len(COMPONENTS))
        for col, c in zip(cols, COMPONENTS, strict=True):
            # a select slider: its thumb writes the value as the reader does (0,35 in id)
            grid = sorted(
                {round(i * 0.05, 2) for i in range(21)} | {float(st.session_state.get(f"w_{c}", 0))}
            )
            col.select_slider(
                tr(f"w.{c}"),
                grid,
                format_func=lambda v: fmt_num(v, L(), 2),
                key=f"w_{c}",
                help=tr(f"w.{c}.help"),
            )
        st.form_submit_button(tr("s.apply_weights"))
    used = " · ".join(
        f"{tr(f'w.{c}')} {fmt_num(float(getattr(sc.weights, c)), L(), 2)}" for c in COMPONENTS
    )
    st.caption(tr("s.weights_applied", weights=used))
    c1, c2, c3 = st.columns(3)
    c1.selectbox(
        tr("s.classification"),
        ["quantiles", "natural_breaks", "fixed"],
        format_func=lambda v: tr(f"s.{v}"),
        key="classification",
    )
    c2.number_input(tr("s.n_classes"), 2, 9, key="n_classes")
    c3.number_input(tr("s.top_n"), 1, 200, key="top_n")


def step_score(result, sc: Scenario) -> None:
    score_controls(sc)
    n = sc.top_n
    st.subheader(tr("slide.top", n=n))
    st.caption(tr("s.stability_help"))
    reason = text_column("reason", L())
    cols = ["rank", "nama", "kecamatan", "kab_kota", "score", "priority_label", "unserved"]
    cols += ["clients", "agents_active", "stability", reason]
    if L() != "id":
        cols += ["priority_class"]
    top = on_screen_units(result, sc.suppression_k).head(n)[cols].copy()
    if L() != "id":
        pc = pd.to_numeric(top["priority_class"], errors="coerce").fillna(0).astype(int)
        band = top["priority_label"].astype(str).str.contains("<")  # an opaque area keeps it
        top["priority_label"] = class_labels(pc, sc.n_classes, L()).where(~band, "< k")
        top = top.drop(columns=["priority_class"])
        cols.remove("priority_class")
    top["score"] = top["score"].round(1)
    top["stability"] = (top["stability"] * 100).round(0)
    top = app_inputs.decimals_as_text(top, L(), {"score": 1, "stability": 0})
    names = {c: t(f"field.{c}", L()) for c in cols}
    names.update(stability=t("field.stability", L()) + " (%)", **{reason: t("field.reason", L())})
    table(top.rename(columns=names), hide_index=True, width="stretch", key="top_table")


# ------------------------------------------------------------------------------------ 4. Rencana
def plan_controls(result) -> bool:
    """The plan's settings and "Jalankan rencana" in one form: a field typed and the click
    that follows reach the server together (a click right after typing was lost to the
    field's own rerun). The groups/budget switch stays outside: it changes the fields shown.
    True when the planner clicked "Jalankan rencana"."""
    st.radio(
        tr("p.mode"), ["p", "budget"], format_func=lambda v: tr(f"p.by_{v}"), key="p_mode",
        horizontal=True,
    )  # fmt: skip
    with st.form("plan_form", border=False):
        _plan_fields(result)
        go = st.form_submit_button(tr("p.run"), type="primary", key="run_plan")
    return go


def _plan_fields(result) -> None:
    c1, c2, c3 = st.columns(3)
    c1.selectbox(
        tr("p.model"), ["mclp", "lscp", "pmedian"], format_func=lambda v: tr(f"p.{v}"),
        key="p_model",
    )  # fmt: skip
    if st.session_state.get("p_mode") == "budget":
        c2.number_input(tr("p.budget"), 0.0, 1e12, step=1.0, key="p_budget")
        c2.number_input(tr("p.cost"), 0.0, 1e12, step=1.0, key="p_cost")
    else:
        c2.number_input(tr("field.p"), 0, 100, key="p_p")
    c2.number_input(tr("p.radius"), 100, 50000, step=100, key="p_radius")
    c3.number_input(tr("p.capacity"), 0, 10000, key="p_capacity")
    c3.checkbox(tr("p.keep"), key="p_keep")
    c3.number_input(tr("p.per_kab"), 0, 20, key="pi_per_kab")
    c3.number_input(tr("p.cost_agent"), 0.0, 1e11, step=100_000.0, key="p_cost_agent")
    with st.expander(tr("p.quota")):
        kabs = sorted(result.kelurahan["kab_kota"].dropna().astype(str).unique())
        q = st.session_state.get("p_quota") or {}
        df = pd.DataFrame(
            {
                "kab_kota": kabs,
                "min": [int((q.get(k) or (0, None))[0] or 0) for k in kabs],
                "max": [(q.get(k) or (0, None))[1] for k in kabs],
            }
        )
        df["max"] = pd.array(df["max"], dtype="Int64")
        edited = st.data_editor(
            df,
            hide_index=True,
            disabled=["kab_kota"],
            column_config={
                "min": st.column_config.NumberColumn(tr("p.min"), min_value=0, step=1),
                "max": st.column_config.NumberColumn(tr("p.max"), min_value=0, step=1),
            },
            key="quota_editor",
        )
        st.session_state["p_quota"] = {
            r["kab_kota"]: (int(r["min"] or 0), None if pd.isna(r["max"]) else int(r["max"]))
            for r in edited.to_dict("records")
            if (r["min"] or 0) or not pd.isna(r["max"])
        }


def step_plan(result, sc: Scenario, data_key: str) -> None:
    """The plan and pilots are computed on the button and kept until the planner re-runs them;
    when any input changed since, they stay visible with "rencana perlu dihitung ulang"."""
    ss = st.session_state
    quota = dict(ss.get("p_quota") or {})
    run_clicked = plan_controls(result)
    if run_clicked and dict(ss.get("p_quota") or {}) != quota:
        # the quota table is read while it is drawn, after this run's scenario was built:
        # run the plan on the next run, with the quotas just submitted
        ss["_plan_pending"] = True
        st.rerun()
    run_clicked = run_clicked or ss.pop("_plan_pending", False)
    key = app_state.plan_key(sc, data_key)
    if run_clicked:
        try:
            with st.spinner(tr("p.running")):
                rb = road_backend(result)
                plan = plan_recruitment(result.kelurahan, sc, backend=rb)
                pilots = choose_pilots(result.kelurahan, sc, sites=plan.sites, backend=rb)
            ss["plan_run"] = {"key": key, "scenario": sc, "plan": plan, "pilots": pilots}
        except IbmGeoError as e:  # an impossible or misspelt quota: say what to change
            st.error(app_inputs.md_escape(e.message(L())))
    run = ss.get("plan_run")
    if run is None:
        st.info(tr("p.not_run"))
        compare_block(result, sc, None)
        return
    fresh = run["key"] == key
    if not fresh:
        st.warning(tr("p.stale"))
    show_plan(result, run["scenario"], run["plan"], run)
    st.subheader(tr("p.pilots"))
    pilots = published_view(result, run).pilots if rakor_mode() else run["pilots"]
    table(pretty(pilots), hide_index=True, width="stretch", key="pilots_table")
    why_not_block(result, run)
    compare_block(result, sc, run["plan"] if fresh else None)


def why_not_block(result, run: dict) -> None:
    """ "Why not village X?": the reason in plain words, figures as published."""
    from ibm_geo.plan.why_not import why_not

    st.subheader(tr("p.why_not"))
    kel = result.kelurahan
    order = kel.sort_values("rank") if "rank" in kel else kel
    labels = dict(zip(order.apply(app_inputs.unit_label, axis=1), order["kode"], strict=True))
    pick = st.selectbox(
        tr("p.why_not_pick"), [None, *labels], key="why_not_pick",
        format_func=lambda v: tr("p.why_not_none") if v is None else v,
    )  # fmt: skip
    if pick:
        ans = why_not(
            kel, run["scenario"], str(labels[pick]), plan=run["plan"], pilots=run["pilots"]
        )
        st.markdown("\n".join(f"- {app_inputs.md_escape(x)}" for x in ans.lines(L())))


def current_run(sc: Scenario, data_key: str) -> tuple[dict | None, bool]:
    """(the kept plan run or None, whether it matches the current inputs)."""
    run = st.session_state.get("plan_run")
    return run, bool(run) and run["key"] == app_state.plan_key(sc, data_key)


def show_plan(result, sc: Scenario, plan, run: dict | None = None) -> None:
    from ibm_geo.plan.result import fallback_text, solver_text

    st.caption(tr("p.method2", text=solver_text(plan.solver or plan.method, L())))
    st.caption(app_inputs.md_escape(getattr(plan, "reach_text", {}).get(L(), "")))
    groups = plan.groups_line(L()) if hasattr(plan, "groups_line") else ""
    if groups:  # every requested group accounted for (issue 22); names are escaped
        st.warning(app_inputs.md_escape(groups))
    if getattr(plan, "fallback", ""):
        st.warning(tr("p.fallback", reason=app_inputs.md_escape(fallback_text(plan.fallback, L()))))
    st.subheader(tr("layer.sites"))
    if rakor_mode() and run is not None:  # the same sites, reach and curve as published
        plan = published_view(result, run).plan
    if len(plan.sites):
        sites = plan.sites.drop(columns=["solver"], errors="ignore")
        table(pretty(sites), hide_index=True, width="stretch", key="sites_table")
    else:
        st.info(tr("p.none"))
    if plan.curve is not None and len(plan.curve):
        st.subheader(tr("slide.curve"))
        curve = plan.curve.rename(
            columns={"p": t("field.p", L()), "covered": t("field.covered", L())}
        )
        st.line_chart(curve, x=t("field.p", L()), y=t("field.covered", L()))
    sc_map = sc.model_copy(update={"radius_m": sc.site_radius_m})
    draw_map(result, sc_map, sites=plan.sites, show_clients=False, key="plan_map")
    roads = getattr(result.distance, "kind", "straight") == "road"
    st.markdown(  # the plan map's own legend: classes, sites and their reach, every symbol
        appmap.legend_html(result.kelurahan, sc_map, L(), sites=len(plan.sites) > 0, roads=roads),
        unsafe_allow_html=True,
    )


def _whole(col: pd.Series) -> bool:
    """A float column holding only whole numbers (clients reached, counts): shown as ``1``,
    not ``1,00``."""
    if not pd.api.types.is_float_dtype(col):
        return False
    v = col.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool((v == np.round(v)).all())


def pretty(df: pd.DataFrame) -> pd.DataFrame:
    """Readable column names (i18n ``field.*``) and rounded numbers for display only
    (``2,45`` in Indonesian)."""
    out = df.drop(columns=[c for c in df.columns if str(c).startswith("_")])  # internal
    places = {c: 0 if c.endswith("_m") or _whole(out[c]) else 2 for c in out.columns}
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(places[c])
    out = app_inputs.decimals_as_text(out, L(), places)
    reason = text_column("reason", L())
    out = out.drop(columns=[c for c in ("reason_id", "reason_en") if c != reason and c in out])
    if "solver" in out:  # the machine line ("highs (Optimal, gap 0.00%)") as the CLI says it
        from ibm_geo.plan.result import solver_text

        out["solver"] = out["solver"].map(lambda v: solver_text(str(v), L()))
    names = {c: column_label(c, L()) for c in out.columns}
    names[reason] = t("field.reason", L())
    for c in out.columns:  # a count column mixing numbers and '*' is shown as text (Arrow)
        if out[c].dtype == object and out[c].map(is_band).any():
            out[c] = [v if is_band(v) or v is None else str(v) for v in out[c]]
    return out.rename(columns=names)


def compare_block(result, sc: Scenario, plan) -> None:
    ss = st.session_state
    st.subheader(tr("p.compare"))
    c1, c2 = st.columns(2)
    for col, slot in ((c1, "A"), (c2, "B")):
        if col.button(tr(f"p.save_{slot.lower()}"), key=f"save_{slot}"):
            ss[f"cmp_{slot}"] = (sc, result.kelurahan, plan)
    a, b = ss.get("cmp_A"), ss.get("cmp_B")
    # two scenarios of one name ("Skenario dasar" twice) are told apart by their settings
    shown = dict(zip("AB", app_compare.slot_names(a[0], b[0]), strict=True)) if a and b else {}
    for col, slot in ((c1, "A"), (c2, "B")):
        if ss.get(f"cmp_{slot}"):
            name = shown.get(slot, ss[f"cmp_{slot}"][0].name)
            col.caption(tr("p.saved", name=app_inputs.md_escape(f"{slot}: {name}")))
    if not (a and b):
        st.info(tr("p.need_two"))
        return
    cmp = compare_scenarios(a[1], b[1], plan_a=a[2], plan_b=b[2])
    summary = cmp.attrs.get("summary")
    if summary is not None and len(summary):
        table(app_compare.summary_table(summary, L()), hide_index=True, width="stretch")
    st.caption(f"A: {app_inputs.md_escape(shown['A'])} — B: {app_inputs.md_escape(shown['B'])}")
    table(app_compare.unit_table(cmp, L()), hide_index=True, width="stretch", key="compare_table")


# ----------------------------------------------------------------------------------- 6. Capaian
def current_monitoring(result, sc: Scenario, data_key: str, *, exact: bool = False):
    """(Monitoring, problems of the targets file) for the Capaian inputs last chosen (the demo's
    targets when none was uploaded on demo data), computed once per inputs; (None, None) when
    there is nothing to monitor. ``exact``: the working tier for the screen (files always get
    the published tables). Raises IbmGeoError for unusable files."""
    from ibm_geo_app import progress as app_progress

    ss = st.session_state
    inp = ss.get("cap_inputs") or {"targets": None, "previous": None, "kec": False, "rw": False}
    targets = inp["targets"]
    if targets is None and ss.get("is_demo"):
        path = demo_paths()["targets"]
        targets = (path.name, path.read_bytes())
    if targets is None and inp["previous"] is None and "cap_inputs" not in ss:
        return None, None  # Capaian never opened on the planner's own data
    key = hashlib.sha256(
        (data_key + sc.to_json() + f"|kec={inp['kec']}|rw={inp['rw']}").encode()
        + b"".join(x[1] for x in (targets, inp["previous"]) if x is not None)
    ).hexdigest()
    slot = "_cap_cache_exact" if exact else "_cap_cache"
    cached = ss.get(slot)
    if cached is None or cached[0] != key:
        mon, problems = app_progress.monitoring_for(
            result, targets, inp["previous"], by_kecamatan=inp["kec"], per_rw=inp["rw"],
            exact=exact,
        )  # fmt: skip
        cached = ss[slot] = (key, mon, problems)
    return cached[1], cached[2]


def step_progress(result, sc: Scenario, data_key: str) -> None:
    """Targets, per-office summary, trend and change (issue 13): exact on the planner's screen,
    as published in Mode rakor and in every download."""
    from ibm_geo.monitoring import basis_note
    from ibm_geo.quality_text import localize_quality
    from ibm_geo.render.monitoring import trend_chart_png
    from ibm_geo_app import progress as app_progress

    ss = st.session_state
    st.subheader(tr("cap.title"))
    st.caption(tr("cap.intro"))
    c1, c2 = st.columns(2)
    up_t = uploader(tr("cap.targets"), c1, type=["csv", "xlsx"], key="up_targets")
    up_p = uploader(
        tr("cap.previous"), c2, type=["geojson", "json", "xlsx", "csv"], key="up_previous"
    )
    targets = (up_t.name, up_t.getvalue()) if up_t is not None else None
    if targets is None and ss.get("is_demo"):
        st.info(tr("cap.demo_targets"))
    previous = (up_p.name, up_p.getvalue()) if up_p is not None else None
    c3, c4 = st.columns(2)
    by_kec = c3.checkbox(
        tr("cap.per_kecamatan"), key="cap_per_kec", help=tr("cap.per_kecamatan.help")
    )
    per_rw = c4.checkbox(tr("cap.per_rw"), key="cap_per_rw", help=tr("cap.per_rw.help"))
    # kept beyond this page: the Ekspor step puts the same tables in the workbook and deck
    ss["cap_inputs"] = {"targets": targets, "previous": previous, "kec": by_kec, "rw": per_rw}
    try:
        mon, problems = current_monitoring(result, sc, data_key)  # the files: published
        # the screen: the working tier's exact figures, or in Mode rakor what the files hold
        screen = mon if rakor_mode() else current_monitoring(result, sc, data_key, exact=True)[0]
    except IbmGeoError as e:
        st.error(describe_error(e))
        return
    views = app_progress.view_tables(screen, L())
    st.markdown(f"#### {tr('cap.progress')}")
    if len(screen.progress):
        table(views["progress"], hide_index=True, use_container_width=True)
        note = basis_note(screen.progress, L())  # agents per recruitment year, or a snapshot
        if note:
            st.caption(note)
    else:
        st.info(tr("cap.no_targets"))
    if len(problems):
        st.warning(tr("cap.problems", n=len(problems)))
        table(localize_quality(problems, L()).astype(str), hide_index=True)
    st.markdown(f"#### {tr('cap.summary')}")
    table(views["summary"], hide_index=True, use_container_width=True)
    st.markdown(f"#### {tr('cap.trend')}")
    offices = mon.summary.loc[mon.summary["area_level"].isin(["provinsi", "kab_kota"]), "area"]
    area = st.selectbox(tr("cap.office"), list(offices), key="cap_office")
    if area is not None:
        st.image(trend_chart_png(screen.trend, area, L(), screen.k))
        shown = views["trend"][screen.trend["area"].to_numpy() == area]
        table(shown, hide_index=True, use_container_width=True)
    if "change" in views:
        st.markdown(f"#### {tr('cap.change')}")
        table(views["change"], hide_index=True, use_container_width=True)
    if "rw" in views:
        st.markdown(f"#### {tr('cap.rw')}")
        if len(screen.rw):
            table(views["rw"], hide_index=True, use_container_width=True)
        else:
            st.info(tr("cap.no_rw"))
    st.markdown(f"#### {tr('cap.downloads')}")
    cols = st.columns(4)
    for i, (name, data) in enumerate(mon.csv_files().items()):
        cols[i % 4].download_button(
            name, data=data, file_name=name, mime="text/csv", on_click="ignore", key=f"dl_{name}"
        )


# ------------------------------------------------------------------------------------- 5. Ekspor
def step_export(result, sc: Scenario, data_key: str) -> None:
    ss = st.session_state
    st.subheader(tr("e.title"))
    k = sc.suppression_k
    st.info(tr("e.privacy", k=k, km1=k - 1))
    run, fresh = current_run(sc, data_key)
    if run is None:
        st.warning(tr("e.no_plan"))
    elif not fresh:
        st.warning(tr("e.stale"))
    try:  # the Capaian tables go into the workbook and the deck, as in the CLI
        mon, _ = current_monitoring(result, sc, data_key)
    except IbmGeoError:
        mon = None  # the Capaian step shows why
    items = app_downloads.export_items(published_view(result, run), L(), monitoring=mon)
    items = [i for i in items if i[0] != "e.scenario"]
    items = app_office.wrap_items(ss.get("principal"), items, result, sc)
    cols = st.columns(3)
    for i, (label, fname, mime, fn) in enumerate(items):
        with cols[i % 3]:
            st.download_button(
                tr(label), data=fn, file_name=fname, mime=mime, on_click="ignore", key=f"dl_{label}"
            )
            st.caption(tr(f"{label}.desc"))
    st.divider()
    st.text_input(tr("field.manifest_scenario_name"), key="sc_name")
    st.download_button(
        tr("e.scenario"),
        data=app_office.wrap(
            ss.get("principal"), filename("scenario_toml"), sc.to_bytes("toml"), None, sc
        ),
        file_name=filename("scenario_toml"),
        mime="application/toml",
        on_click="ignore",
        key="dl_scenario",
    )
    up = uploader(tr("e.load"), type=["toml", "json"], key="up_scenario")
    if up is not None and ss.get("loaded_scenario") != up.file_id:
        try:
            loaded = Scenario.from_bytes(up.getvalue(), name=up.name)
        except IbmGeoError as e:  # names the file, the line or every bad key, in L()
            st.error(app_inputs.md_escape(e.message(L())))
            return
        except Exception as e:  # noqa: BLE001 - any other failure is still the user's file
            msg = app_inputs.md_escape(str(e).splitlines()[0] if str(e) else type(e).__name__)
            st.error(tr("e.bad_scenario", file=app_inputs.md_escape(up.name), msg=msg))
            return
        ss["loaded_scenario"] = up.file_id
        ss["base_scenario"] = loaded
        # widgets of this run are already drawn: apply their new values at the start of the next
        ss["pending_state"] = app_state.scenario_to_state(loaded, year_range(result.joined))
        ss["flash"] = tr("e.loaded", name=app_inputs.md_escape(loaded.name))
        st.rerun()


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    st.sidebar.selectbox(
        "Bahasa / Language",
        ["id", "en"],
        format_func=lambda v: {"id": "Bahasa Indonesia", "en": "English"}[v],
        key="lang",
    )
    principal = None
    if app_office.enabled():  # office mode: accounts, roles, area, audit log (docs/deploy.md)
        principal = app_office.gate(L())
        if principal is None:
            return
        app_office.sidebar_user(principal, L())
        if not principal.can("analyze"):  # pembaca: published results only, no client views
            app_office.viewer_page(principal, L())
            return
    elif not auth_gate():
        return
    init_state()
    widget_words()
    st.title(tr("app.title"))
    ss = st.session_state
    if ss.get("is_demo"):
        st.info(tr("app.demo_banner"))
    if ss.get("flash"):
        st.success(ss.pop("flash"))
    # one radio per language (its labels change), the chosen step kept across the switch
    steps = STEPS + ("office",) if principal else STEPS
    labels = app_state.step_labels(steps, lambda s: tr(f"step.{s}"))
    step = st.sidebar.radio(
        tr("app.step"),
        steps,
        index=steps.index(ss.get("current_step", "map")),
        format_func=labels.get,
        key=f"step_{L()}",
    )
    ss["current_step"] = step
    st.sidebar.toggle(tr("app.rakor_mode"), key="rakor_mode", help=tr("app.rakor_mode_help"))
    if rakor_mode():
        st.info(tr("app.rakor_on"))
    else:
        st.caption(tr("app.working"))
    skey = sources_key(ss["sources"])
    if ss.get("_selection_of") != skey:  # another data set: the map opens on its rank 1
        for k in app_state.SELECTION_KEYS:
            ss.pop(k, None)
        ss["_selection_of"] = skey
    try:
        joined, jkey = current_joined()
    except IbmGeoError as e:  # accepted sources broke (should not happen): back to the demo
        st.error(describe_error(e))
        ss.update(sources=demo_sources(), is_demo=True, maps={})
        joined, jkey = current_joined()
    full = (joined, jkey)  # the upload before the area's cut (what it cut is listed)
    if principal:  # the user's area only, before anything is computed or shown
        try:
            joined, jkey = app_office.scoped(principal, joined, jkey)
        except IbmGeoError as e:
            st.error(e.message(L()))
            return
    yr = sidebar_filters(joined)
    net, roads_key = current_roads()
    sc = with_roads(current_scenario(yr), net)
    if principal:
        try:
            sc = app_office.scenario(principal, sc)
        except IbmGeoError as e:
            st.error(e.message(L()))
            return
    with st.spinner(tr("data.loading")):
        secret = app_office.record_secret() if app_office.enabled() else None  # the office's own
        skey = fingerprint(secret) if secret is not None else "installation"
        analysis = app_state.analysis_scenario(sc).to_json()
        base = get_analysis(joined, jkey, analysis, net, roads_key, secret, skey)
        data_key = hashlib.sha256((jkey + app_state.analysis_key(sc) + skey).encode()).hexdigest()[
            :16
        ]
        result = get_scored(base, data_key, sc.to_json())
    if principal:
        app_office.log_analysis(principal, result, data_key)
    ss["_summary"] = result.summary  # read by tests
    ss["_distance"] = getattr(result.distance, "kind", "straight")
    ss["_top"] = result.kelurahan["kode"].head(sc.top_n).tolist()
    if step == "data":
        step_data(result, principal, full)
    elif step == "map":
        step_map(result, sc)
    elif step == "score":
        step_score(result, sc)
    elif step == "plan":
        step_plan(result, sc, data_key)
    elif step == "progress":
        step_progress(result, sc, data_key)
    elif step == "office":
        app_office.office_step(principal, result, sc, current_run(sc, data_key)[0], L())
    else:
        step_export(result, sc, data_key)


main()
