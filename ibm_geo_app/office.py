"""Office mode of the app: sign-in, role and area checks, logged exports, the workspace and the
admin pages. A thin layer over :class:`ibm_geo.office.Office`, which enforces scope and logging.

Office mode is on when the secrets have an ``[office]`` table or ``IBM_GEO_OFFICE=1``; without
it the app is the single-user local tool it always was (``bash scripts/run_app.sh``).
"""

from __future__ import annotations

import hashlib
import json
import os

import pandas as pd
import streamlit as st

from ibm_geo.errors import IbmGeoError, UserError
from ibm_geo.export.catalog import CATALOG
from ibm_geo.i18n import column_label, t, text_column, value_label
from ibm_geo.office import Office, OfficeSettings, Principal, input_fingerprint
from ibm_geo.office import setup as office_setup
from ibm_geo.office.audit import ACTIONS
from ibm_geo.office.rosters import ROSTER_KINDS
from ibm_geo.office.scope import scope_joined, scope_scenario

#: the files a saved plan or run holds (:data:`ibm_geo.export.catalog.CATALOG`)
DOWNLOAD_KEYS = tuple(e.filename for e in CATALOG if "workspace" in e.channels)


def enabled() -> bool:
    if os.environ.get("IBM_GEO_OFFICE", "").strip().lower() in ("1", "true", "yes"):
        return True
    try:
        return "office" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001
        return {}


def _settings() -> OfficeSettings:
    sec = _secrets()
    office = sec.get("office")
    return OfficeSettings.load({"office": dict(office)} if office else {})


@st.cache_resource(show_spinner=False)
def _open(settings: OfficeSettings) -> Office:
    return Office(settings)


def get_office() -> Office:
    return _open(_settings())


def _oidc_configured() -> bool:
    return "auth" in _secrets()


def gate(lang: str) -> Principal | None:
    """The signed-in user, or None after drawing the sign-in page (no role, no access)."""
    ss = st.session_state
    p = ss.get("principal")
    if isinstance(p, Principal):
        return p
    office = get_office()
    if _oidc_configured():
        if not st.user.is_logged_in:
            st.title(t("o.login_title", lang))
            st.button(t("o.sign_in_oidc", lang), on_click=st.login)
            return None
        claims = st.user.to_dict()
        p = office.accounts.resolve_oidc(claims, office.settings.oidc_allow)
        if p is None:
            st.error(t("o.no_role", lang, user=_md(claims.get("email", "?"))))
            st.button(t("o.sign_out", lang), on_click=st.logout)
            return None
        ss["principal"] = p
        return p
    if not office_setup.has_admin(office.engine):
        setup_page(office, lang)
        if office.accounts.count() == 0:
            return None
    st.title(t("o.login_title", lang))
    with st.form("office_login"):
        user = st.text_input(t("o.username", lang), key="login_user")
        pw = st.text_input(t("office.cli.password", lang), type="password", key="login_pw")
        go = st.form_submit_button(t("o.sign_in", lang), type="primary")
    if go:
        try:
            ss["principal"] = office.accounts.authenticate(user, pw)
        except UserError as e:
            st.error(e.message(lang))
            return None
        st.rerun()
    return None


def setup_page(office: Office, lang: str) -> None:
    """The first admin, created with the one-time token of ``ibm-geo office init`` (a token,
    not the caller's address: behind the proxy every request comes from 127.0.0.1)."""
    st.title(t("o.setup_title", lang))
    st.info(t("o.setup_intro", lang))
    with st.form("office_setup"):
        token = st.text_input(t("o.setup_token", lang), type="password", key="setup_token")
        user = st.text_input(t("o.username", lang), key="setup_user")
        pw = st.text_input(t("office.cli.password", lang), type="password", key="setup_pw")
        pw2 = st.text_input(t("o.password_again", lang), type="password", key="setup_pw2")
        go = st.form_submit_button(t("o.setup_create", lang), type="primary")
    if not go:
        return
    if pw != pw2:
        st.error(t("o.password_mismatch", lang))
        return
    try:
        p = office_setup.create_first_admin(office.accounts, token, user, pw)
    except IbmGeoError as e:
        st.error(e.message(lang))
        return
    st.session_state["principal"] = p
    st.rerun()


def sidebar_user(p: Principal, lang: str) -> None:
    sb = st.sidebar
    sb.markdown(
        t(
            "o.who",
            lang,
            user=_md(p.display_name or p.username),
            role=t(f"o.role.{p.role}", lang),
            scope=_md(p.scope.label()),
        )
    )
    if sb.button(t("o.sign_out", lang), key="sign_out"):
        get_office().audit.record(p.username, "sign_out", **p.audit_kw)
        for k in list(st.session_state):
            del st.session_state[k]
        if _oidc_configured():
            st.logout()
        st.rerun()


# ----------------------------------------------------------------------------- scoped analysis
@st.cache_resource(max_entries=16, show_spinner=False)
def _scoped(_joined, joined_key: str, scope_key: str, _scope):
    """One scoped cut per (inputs, area), shared by every session of that area."""
    return scope_joined(_joined, _scope)


def record_secret() -> bytes:
    """The office's record-key secret (kept in its store: ``Office.record_secret``)."""
    return get_office().record_secret()


def scoped(p: Principal, joined, jkey: str):
    """(joined, key) cut to the user's area: the sidebar, analysis, plan and exports start here."""
    p.require("analyze")
    if p.scope.is_everything:
        return joined, jkey
    sk = p.scope.key()
    j = _scoped(joined, jkey, sk, p.scope)
    return j, hashlib.sha256((jkey + sk).encode()).hexdigest()[:16]


def scenario(p: Principal, sc):
    return scope_scenario(sc, p.scope)


def log_inputs(p: Principal, sources: tuple, joined=None) -> None:
    """Fingerprints of the accepted files (hash, rows), never their content."""
    rows = {}
    if joined is not None:
        rows = {
            "clients": len(joined.clients.table),
            "agents": len(joined.agents.table),
            "service_points": len(joined.service_points.table),
            "boundaries": len(joined.units),
        }
    fps = []
    office = get_office()
    store = office.rosters()
    for kind, name, data in sources:
        raw = data if isinstance(data, bytes) else open(data, "rb").read()  # noqa: SIM115
        fps.append(input_fingerprint(kind, name, raw, rows.get(kind)))
        # kept only when the admin turned roster storage on: encrypted, with a retention date
        if store.enabled and kind in ROSTER_KINDS:
            store.put(p, kind, raw, rows.get(kind) or 0)
    office.log_inputs(p, fps)


def logged(p: Principal, kind: str, fn, *, kelurahan=None, sc=None, published: bool = False):
    """A download callable that builds the file, checks it against the user's area and logs it
    (kind, hash) before Streamlit serves it."""

    def build() -> bytes:
        data = fn() if callable(fn) else fn
        return get_office().export(
            p, kind, data, kelurahan=kelurahan, scenario=sc, published=published
        )

    return build


def wrap(p: Principal | None, kind: str, fn, kelurahan=None, sc=None):
    """``fn`` unchanged outside office mode, else the checked and logged download callable."""
    if not isinstance(p, Principal):
        return fn
    return logged(p, kind, fn, kelurahan=kelurahan, sc=sc)


def wrap_items(p: Principal | None, items: list[tuple], result, sc) -> list[tuple]:
    """The Ekspor step's downloads, each checked against the area and logged when built."""
    if not isinstance(p, Principal):
        return items
    return [
        (label, fname, mime, logged(p, fname, fn, kelurahan=result.kelurahan, sc=sc))
        for label, fname, mime, fn in items
    ]


def log_analysis(p: Principal, result, data_key: str) -> None:
    """One log entry per distinct analysis a session looks at (not per rerun)."""
    ss = st.session_state
    if ss.get("_office_logged") == data_key:
        return
    ss["_office_logged"] = data_key
    from ibm_geo.office import scenario_hash

    sc = result.scenario
    get_office().audit.record(
        p.username,
        "analysis",
        scenario_hash=scenario_hash(sc),
        scenario_name=sc.name[:200],
        units=len(result.kelurahan),
        **p.audit_kw,
    )


# ----------------------------------------------------------------------------- viewer (pembaca)
def viewer_page(p: Principal, lang: str) -> None:
    """Published results of the viewer's area, nothing client-level, nothing to upload."""
    st.title(t("o.published", lang))
    ws = get_office().workspace(p)
    items = ws.items()
    if not len(items):
        st.info(t("o.none_published", lang))
        return
    label = {
        int(r.id): f"#{r.id} {r.name} ({r.kind}, {r.scope}, {r.created_at:%Y-%m-%d})"
        for r in items.itertuples()
    }
    pick = st.selectbox(t("o.pick", lang), list(label), format_func=label.get, key="pub_pick")
    show_published(p, ws.load(pick), lang)


#: coded values of the office tables, shown through ``o.<vocabulary>.<value>`` texts
_VALUE_KINDS = {"role": "o.role", "kind": "o.kind", "login": "o.login", "action": "o.act",
                "active": "bool"}  # fmt: skip

#: headers that already have a text elsewhere (one text per concept); the rest are ``o.col.*``
_HEADERS = {"username": "o.username", "role": "o.role", "name": "o.name",
            "provinsi": "field.provinsi", "kab_kota": "field.kab_kota", "scope": "field.area",
            "kind": "field.manifest_kind"}  # fmt: skip


def office_table(df: pd.DataFrame, lang: str) -> None:
    """An office table (accounts, workspace, audit log) as its reader reads it: headers and
    coded values in ``lang`` (``o.col.<column>``); an empty one is one line, not a blank grid."""
    if df is None or not len(df):
        st.info(t("o.empty", lang))
        return
    out = df.copy()
    for col, vocab in _VALUE_KINDS.items():
        if col in out:
            out[col] = [
                value_label(vocab, str(v).lower() if isinstance(v, bool) else v, lang)
                for v in out[col]
            ]
    out = out.rename(columns=lambda c: t(_HEADERS.get(c, f"o.col.{c}"), lang))
    st.dataframe(out, hide_index=True, width="stretch")


def show_published(p: Principal, item: dict, lang: str) -> None:
    import io

    files = item.get("files", {})
    if "ranking.csv" in files:
        ranking = pd.read_csv(io.StringIO(files["ranking.csv"]), dtype=str)
        other = [c for c in ranking if c.startswith("reason_") and c != text_column("reason", lang)]
        ranking = ranking.drop(columns=other)  # the reason in the reader's language only
        st.dataframe(
            ranking.rename(columns=lambda c: column_label(c, lang)),
            hide_index=True,
            width="stretch",
        )
    st.caption(t("o.files", lang))
    cols = st.columns(3)
    for i, name in enumerate(n for n in DOWNLOAD_KEYS if n in files):
        data = files[name].encode("utf-8-sig" if name.endswith(".csv") else "utf-8")
        with cols[i % 3]:
            st.download_button(
                name,
                data=logged(p, f"published:{name}", data, published=True),
                file_name=name,
                on_click="ignore",
                key=f"pub_{item['id']}_{name}",
            )


# ----------------------------------------------------------------------------- office step
def office_step(p: Principal, result, sc, run, lang: str) -> None:
    """Workspace for planners; users, audit log and settings for admins."""
    office = get_office()
    ws = office.workspace(p)
    st.subheader(t("o.workspace", lang))
    name = st.text_input(t("o.name", lang), value=sc.name, key="ws_name")
    c1, c2, c3 = st.columns(3)
    try:
        if c1.button(t("o.save_scenario", lang), key="ws_save_sc"):
            st.success(t("o.saved", lang, id=ws.save_scenario(name, sc)))
        if c2.button(t("o.publish", lang), key="ws_publish"):
            plan = run["plan"] if run else None
            pilots = run["pilots"] if run else None
            st.success(t("o.saved", lang, id=ws.publish_plan(name, result, plan, pilots)))
        if c3.button(t("o.save_run", lang), key="ws_run"):
            st.success(t("o.saved", lang, id=ws.save_run(name, result)))
    except IbmGeoError as e:
        st.error(e.message(lang))
    items = ws.items()
    office_table(items.drop(columns=["sha256"]), lang)
    if p.can("view_audit"):
        admin_pages(p, lang)


def admin_pages(p: Principal, lang: str) -> None:
    office = get_office()
    st.divider()
    st.subheader(t("o.users", lang))
    office_table(pd.DataFrame(office.accounts.list_users()), lang)
    with st.form("add_user"):
        st.markdown(t("o.add_user", lang))
        user = st.text_input(t("o.username", lang), key="nu_name")
        role = st.selectbox(t("o.role", lang), ["perencana", "pembaca", "admin"], key="nu_role")
        prov = st.text_input(t("field.provinsi", lang), key="nu_prov")
        kabs = st.text_input(t("o.kab_kota", lang), key="nu_kab")
        oidc = st.checkbox(t("o.oidc_account", lang), key="nu_oidc")
        pw = st.text_input(t("office.cli.password", lang), type="password", key="nu_pw")
        if st.form_submit_button(t("o.add_user", lang)):
            try:
                office.accounts.add_user(
                    user,
                    role,
                    password=None if oidc else pw,
                    provinsi=[prov] if prov else [],
                    kab_kota=[k for k in kabs.split(";") if k.strip()],
                    by=p.username,
                )
                st.success(t("o.added", lang, user=_md(user)))
            except IbmGeoError as e:
                st.error(e.message(lang))
    st.subheader(t("o.audit", lang))
    acts = st.multiselect(
        t("o.audit_action", lang),
        list(ACTIONS),
        format_func=lambda a: t(f"o.act.{a}", lang),
        placeholder=t("o.all_actions", lang),
        key="audit_actions",
    )
    log = office.audit.entries(action=acts or None, limit=500)
    office_table(log.drop(columns=["prev_hash", "hash"]), lang)
    v = office.audit.check()
    (st.caption if v.ok else st.error)(
        t("o.audit_ok", lang, n=v.entries) if v.ok else t("o.audit_bad", lang, id=v.entry)
    )

    def audit_csv() -> bytes:
        data = office.audit.export("csv", action=acts or None)
        office.audit.record(
            p.username,
            "audit_exported",
            format="csv",
            export_sha256=hashlib.sha256(data).hexdigest(),
            **p.audit_kw,
        )
        return data

    st.download_button(
        t("o.audit_download", lang),
        data=audit_csv,
        file_name="audit_log.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_audit",
    )

    def checkpoint() -> bytes:
        """The signed head of the log, built (and logged) when the admin clicks: for
        ``ibm-geo audit verify --checkpoint``, which then also sees a deleted tail."""
        cp = office.audit.checkpoint(p.username, **p.audit_kw)
        return (json.dumps(cp, indent=1, sort_keys=True) + "\n").encode("utf-8")

    st.download_button(
        t("o.audit_checkpoint", lang),
        data=checkpoint,
        file_name="audit-checkpoint.json",
        mime="application/json",
        on_click="ignore",
        key="dl_audit_checkpoint",
    )
    st.subheader(t("o.settings", lang))
    with st.form("office_settings"):
        store = st.checkbox(
            t("o.store_rosters", lang), value=office.get_setting("store_rosters") == "true"
        )
        days = st.number_input(
            t("o.retention", lang), 1, 3650, int(office.get_setting("roster_retention_days"))
        )
        if st.form_submit_button(t("o.apply", lang)):
            try:
                office.set_setting(p, "store_rosters", "true" if store else "false")
                office.set_setting(p, "roster_retention_days", str(int(days)))
            except IbmGeoError as e:
                st.error(e.message(lang))


def _md(s: object) -> str:
    """Markdown-escape a user-supplied string before it reaches the page."""
    from ibm_geo_app.inputs import md_escape

    return md_escape(str(s))


def scope_cut_block(p: Principal, full_joined, full_key: str, scoped_units, lang: str) -> None:
    """Rows of the planner's own upload that their area cut away (:func:`cut_away`), each
    written place with its own answer: place it in a village of the area (a search over the
    area's units) or confirm it lies outside. Answers go to ``place_choices`` like every name
    answer, so the scoped analysis then keeps the placed rows."""
    from ibm_geo.matching import OUTSIDE, place_choice_key
    from ibm_geo_app import inputs as app_inputs
    from ibm_geo_app import names as app_names

    if p.scope.is_everything or full_joined is None:
        return
    ss = st.session_state
    cut = _cut(full_joined, full_key, p.scope.key(), p.scope)
    if not len(cut):
        return
    e = app_inputs.md_escape
    total = int(cut["rows"].sum())
    st.warning(t("q.cut_title", lang, rows=total, scope=e(p.scope.label())))
    # placed by coordinates or code in another kab/kota: certain, counted per kab/kota
    located = cut[cut["method"].isin(["code", "point"])]
    if len(located):
        per = located.groupby("placed_kab", dropna=False)["rows"].sum().sort_values()[::-1]
        st.caption(
            t(
                "q.cut_located",
                lang,
                rows=int(located["rows"].sum()),
                areas="; ".join(f"{e(k)} {int(v)}" for k, v in per.items()),
            )
        )
    chosen = ss.get("place_choices") or {}
    by_name = cut[~cut["method"].isin(["code", "point"])]
    blank = int(by_name.loc[by_name["written_name"].isna(), "rows"].sum())
    if blank:
        st.caption(t("q.cut_no_name", lang, rows=blank))
    named = by_name[by_name["written_name"].notna()].copy()
    named["key"] = [
        place_choice_key(a, b, c)
        for a, b, c in zip(
            named["written_name"], named["written_kecamatan"], named["written_kab_kota"],
            strict=True,
        )
    ]  # fmt: skip
    named = named[[chosen.get(k) != OUTSIDE for k in named["key"]]]
    # one question per written place (its rows may sit in several tables or places)
    rows = named.groupby("key", sort=False)["rows"].sum()
    named = named.drop_duplicates("key").set_index("key").assign(rows=rows).reset_index()
    named = named.sort_values("rows", ascending=False, kind="stable")
    lookup = app_inputs.candidate_lookup(scoped_units)
    picks: dict[str, str] = {}
    if len(named):
        st.caption(t("q.cut_help", lang))
    for rec in named.head(app_inputs.RESOLVE_LIMIT).to_dict("records"):
        key = rec["key"]
        qid = app_names.question_id([key])
        where = (
            t("q.cut_placed", lang, place=e(rec["placed_in"]))
            if rec["placed_in"]
            else t("q.cut_unmatched", lang)
        )
        written = " / ".join(
            e(rec[c]) if rec[c] else "-"
            for c in ("written_name", "written_kecamatan", "written_kab_kota")
        )
        opts = {t("q.confirm_outside", lang): OUTSIDE}
        found = ss.get(f"cutsrch_{qid}")
        opts.update(app_names.search_units(found or rec["written_name"], lookup, limit=8))
        keep = t("q.keep", lang)
        c1, c2 = st.columns([3, 2])
        pick = c1.selectbox(
            f"{written} - {rec['rows']} x [{where}]", [keep, *opts], key=f"cut_{qid}"
        )
        c2.text_input(t("q.search", lang), key=f"cutsrch_{qid}")
        if pick != keep and pick in opts:
            picks[key] = opts[pick]
    if picks and st.button(t("o.apply", lang), key="cut_apply"):
        ss["place_choices"] = {**chosen, **picks}
        ss["names_applied"] = len(picks)
        st.rerun()


@st.cache_resource(max_entries=4, show_spinner=False)
def _cut(_joined, joined_key: str, scope_key: str, _scope):
    """What the area cuts away from one upload, once per (inputs, area)."""
    from ibm_geo.office.scope import cut_away

    return cut_away(_joined, _scope)
