"""The office's persistent workspace: saved scenarios, named plans with their published results,
targets and earlier runs ("change since the last rakor"), shared within the office by scope.

Only published aggregates are stored for plans and runs: the files are the
``workspace`` exports of :mod:`ibm_geo.export.catalog` and the kab/kota totals from :func:`ibm_geo.privacy.kab_totals`, so
what the database holds is what may leave the office anyway. An item's scope is the area its
result covers; a user sees the items inside their own scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..config import Scenario
from ..errors import UserError
from ..export.catalog import exports
from ..publish import publish
from .accounts import Principal
from .audit import AuditLog, scenario_hash
from .models import reading, workspace_items
from .scope import Scope

KINDS = ("scenario", "plan", "run", "targets")
#: what a viewer (pembaca) may open: published results only
PUBLISHED = ("plan", "run")


def _scope_of_table(kelurahan: pd.DataFrame) -> Scope:
    prov = kelurahan["provinsi"].dropna().astype(str).unique() if "provinsi" in kelurahan else []
    kab = kelurahan["kab_kota"].dropna().astype(str).unique() if "kab_kota" in kelurahan else []
    return Scope.of(list(prov), list(kab))


def published_files(published) -> dict[str, str]:
    """The published tables of an analysis (and plan) as text, all from one published tier
    (:func:`ibm_geo.publish.publish`): the catalogue's ``workspace`` exports
    (:data:`ibm_geo.export.catalog.CATALOG`)."""
    return {e.filename: make().decode("utf-8-sig") for e, make in exports(published, "workspace")}


@dataclass
class Workspace:
    engine: sa.Engine
    audit: AuditLog
    principal: Principal

    def _save(
        self, kind: str, name: str, content: dict[str, Any], scope: Scope, action: str, **log
    ) -> int:
        self.principal.require("publish")
        if kind not in KINDS:
            raise ValueError(kind)
        if not self.principal.scope.contains(scope):
            raise UserError(
                "office.scope_denied",
                field="kab_kota",
                areas=list(scope.kab_kota),
                scope=self.principal.scope.label(),
            )
        name = (name or "").strip()[:200]
        if not name:
            raise UserError("office.bad_name", kind=kind)
        text = json.dumps(content, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self.engine.begin() as conn:
            res = conn.execute(
                workspace_items.insert().values(
                    kind=kind,
                    name=name,
                    provinsi=json.dumps(list(scope.provinsi)),
                    kab_kota=json.dumps(list(scope.kab_kota)),
                    created_by=self.principal.username,
                    created_at=dt.datetime.now(dt.UTC),
                    content=text,
                    sha256=digest,
                )
            )
            item_id = int(res.inserted_primary_key[0])
        self.audit.record(
            self.principal.username,
            action,
            item_id=item_id,
            item_kind=kind,
            item_name=name,
            sha256=digest,
            **log,
            **self.principal.audit_kw,
        )
        return item_id

    # -- saving ------------------------------------------------------------------------------
    def save_scenario(self, name: str, scenario: Scenario, file_name: str | None = None) -> int:
        sc = scenario
        scope = self.principal.scope
        if sc.filters.provinsi or sc.filters.kab_kota:
            scope = Scope.of(sc.filters.provinsi or scope.provinsi, sc.filters.kab_kota)
        return self._save(
            "scenario",
            name,
            {"scenario": sc.to_toml()},
            scope,
            "scenario_saved",
            scenario_hash=scenario_hash(sc),
            scenario_file=file_name,
        )

    def publish_plan(self, name: str, result, plan=None, pilots=None) -> int:
        """A named plan and its published results (aggregates only)."""
        files = published_files(publish(result, plan, pilots))
        return self._save(
            "plan",
            name,
            {"files": files, "summary": _public_summary(result)},
            _scope_of_table(result.kelurahan),
            "plan_published",
            scenario_hash=scenario_hash(result.scenario),
            units=len(result.kelurahan),
        )

    def save_run(self, name: str, result) -> int:
        """A run kept for "change since the last rakor": its published ranking and totals."""
        files = published_files(publish(result))
        return self._save(
            "run",
            name,
            {"files": files, "summary": _public_summary(result)},
            _scope_of_table(result.kelurahan),
            "run_saved",
            scenario_hash=scenario_hash(result.scenario),
            units=len(result.kelurahan),
        )

    def save_targets(self, name: str, targets: pd.DataFrame | dict) -> int:
        """Targets per area (e.g. groups to recruit per kab/kota), set by the planner."""
        df = pd.DataFrame(targets)
        scope = self.principal.scope
        if "kab_kota" in df:
            scope = Scope.of(scope.provinsi, list(df["kab_kota"].dropna().astype(str).unique()))
        return self._save(
            "targets",
            name,
            {"targets": json.loads(df.to_json(orient="records"))},
            scope,
            "targets_saved",
            rows=len(df),
        )

    # -- reading -----------------------------------------------------------------------------
    def _visible_kinds(self) -> tuple[str, ...]:
        return KINDS if self.principal.can("publish") else PUBLISHED

    def items(self, kind: str | None = None) -> pd.DataFrame:
        """Items this user may see, newest first (no content)."""
        kinds = [kind] if kind else list(self._visible_kinds())
        kinds = [k for k in kinds if k in self._visible_kinds()]
        q = (
            sa.select(
                workspace_items.c.id,
                workspace_items.c.kind,
                workspace_items.c.name,
                workspace_items.c.provinsi,
                workspace_items.c.kab_kota,
                workspace_items.c.created_by,
                workspace_items.c.created_at,
                workspace_items.c.sha256,
            )
            .where(workspace_items.c.kind.in_(kinds))
            .order_by(workspace_items.c.created_at.desc(), workspace_items.c.id.desc())
        )
        with reading(self.engine) as conn:
            rows = conn.execute(q).all()
        out = []
        for r in rows:
            sc = Scope.of(json.loads(r.provinsi), json.loads(r.kab_kota))
            if self.principal.scope.contains(sc):
                out.append(
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "name": r.name,
                        "scope": sc.label(),
                        "created_by": r.created_by,
                        "created_at": r.created_at,
                        "sha256": r.sha256,
                    }
                )
        cols = ["id", "kind", "name", "scope", "created_by", "created_at", "sha256"]
        return pd.DataFrame(out, columns=cols)

    def load(self, item_id: int) -> dict[str, Any]:
        """An item's content, if this user may see it (else ``office.not_found``: no hint that
        it exists elsewhere)."""
        with reading(self.engine) as conn:
            r = conn.execute(
                sa.select(workspace_items).where(workspace_items.c.id == int(item_id))
            ).first()
        if r is None or r.kind not in self._visible_kinds():
            raise UserError("office.not_found", item=item_id)
        sc = Scope.of(json.loads(r.provinsi), json.loads(r.kab_kota))
        if not self.principal.scope.contains(sc):
            self.audit.record(
                self.principal.username,
                "access_denied",
                item_id=int(item_id),
                **self.principal.audit_kw,
            )
            raise UserError("office.not_found", item=item_id)
        content = json.loads(r.content)
        content.update(
            id=r.id,
            kind=r.kind,
            name=r.name,
            scope=sc.label(),
            created_by=r.created_by,
            created_at=r.created_at,
        )
        self.audit.record(
            self.principal.username,
            "workspace_opened",
            item_id=r.id,
            item_kind=r.kind,
            **self.principal.audit_kw,
        )
        return content

    def load_scenario(self, item_id: int) -> Scenario:
        c = self.load(item_id)
        if c["kind"] != "scenario":
            raise UserError("office.not_found", item=item_id)
        return Scenario.from_text(c["scenario"], "toml")

    def latest(self, kind: str, *, before_id: int | None = None) -> dict[str, Any] | None:
        """The newest visible item of ``kind`` (optionally older than ``before_id``)."""
        items = self.items(kind)
        if before_id is not None:
            items = items[items["id"] < before_id]
        return self.load(int(items["id"].iloc[0])) if len(items) else None


def _public_summary(result) -> dict[str, Any]:
    """Headline figures for the workspace list: unit count and kab/kota, nothing client-level."""
    kel = result.kelurahan
    return {
        "units": len(kel),
        "kab_kota": sorted(kel["kab_kota"].dropna().astype(str).unique().tolist()),
        "scenario": result.scenario.name,
        "reference_year": int(result.reference_year),
    }
