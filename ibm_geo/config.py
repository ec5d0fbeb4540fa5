"""One typed scenario object: every figure shown at a rakor can be reproduced from its file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, model_validator

STATUSES = ("belum", "aktif", "selesai", "putus")
SEVERITIES = ("ringan", "sedang", "berat")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Weights(_Model):
    """Relative weights of the unmet-need components; only their ratios matter."""

    unserved_count: float = Field(0.35, ge=0, description="Number of unserved clients")
    unserved_share: float = Field(0.20, ge=0, description="Unserved share of clients needing care")
    recency: float = Field(0.15, ge=0, description="How recently unserved clients left rehab")
    distance: float = Field(
        0.20, ge=0, description="Distance to nearest active agent/service point"
    )
    presence: float = Field(0.10, ge=0, description="No existing IBM/agent presence in the village")

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if sum(self.as_dict().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.model_dump().items()}


class Filters(_Model):
    """Subsets planners ask for: a BNNP or BNNK jurisdiction, a cohort of rehab years, some
    statuses."""

    provinsi: list[str] = Field(default_factory=list, description="Keep only these provinces")
    kab_kota: list[str] = Field(default_factory=list, description="Keep only these kab/kota")
    kecamatan: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    statuses: list[str] = Field(
        default_factory=list, description="Keep clients with these status_pasca"
    )


class PlanConfig(_Model):
    """Agent recruitment (site selection) settings, used by :mod:`ibm_geo.plan`."""

    model: Literal["mclp", "lscp", "pmedian"] = "mclp"
    p: int = Field(5, ge=0, description="New agent groups to recruit")
    radius_m: float | None = Field(None, gt=0, description="Service radius; None = scenario radius")
    target_share: float = Field(0.9, gt=0, le=1, description="LSCP: share of demand to reach")
    capacity: int | None = Field(
        None, ge=1, description="Clients per new group; None = group_size x default_capacity"
    )
    unlimited_capacity: bool = Field(
        False, description="New groups reach every client within the radius (no caseload cap)"
    )
    keep_existing: bool = True
    budget: float | None = Field(None, ge=0)
    cost_per_site: float = Field(1.0, ge=0)
    min_per_kab: dict[str, int] = Field(default_factory=dict)
    max_per_kab: dict[str, int] = Field(default_factory=dict)
    required: list[str] = Field(
        default_factory=list, description="kode of candidates that must open"
    )
    forbidden: list[str] = Field(
        default_factory=list, description="kode of candidates never opened"
    )
    recency_weight: float = Field(0.0, ge=0, description="Extra demand weight for recent rehab")
    severity_weight: float = Field(0.0, ge=0, description="Extra demand weight for sedang/berat")
    exact: bool = True
    time_limit_s: float = Field(120.0, gt=0)
    mip_gap: float = Field(0.0, ge=0, le=1)
    curve_max_p: int = Field(20, ge=0)


class PilotConfig(_Model):
    """Pilot-village choice: N overall and/or per BNNK, from the score."""

    n_total: int | None = Field(None, ge=0)
    per_kab: int | None = Field(1, ge=0)
    min_unserved: int = Field(5, ge=0)
    exclude_existing: bool = True
    one_per_kecamatan: bool = False
    comparison: bool = True


# --- road-network travel (issue 12) ------------------------------------------------------------
class RoadsConfig(_Model):
    """How far is "in reach": straight line (default) or travel on an OpenStreetMap road network.

    With ``distance = "road"`` the service radius (``radius_m``, and ``plan.radius_m``) is a road
    distance, or with ``threshold = "time"`` the travel time ``max_minutes`` decides; the score's
    ``dist_nearest_m`` is always metres along the road.
    """

    distance: Literal["straight", "road"] = "straight"
    travel: Literal["motor", "walk"] = Field("motor", description="sepeda motor or walking")
    threshold: Literal["distance", "time"] = Field(
        "distance", description="Reach decided by road distance (radius_m) or travel time"
    )
    max_minutes: float = Field(15.0, gt=0, le=1440, description="Travel-time threshold")
    snap_limit_m: float = Field(
        500.0, gt=0, le=50_000, description="Points farther than this from any road are reported"
    )
    ferry_wait_min: float = Field(30.0, ge=0, le=1440, description="Waiting time per ferry trip")
    extract: str | None = Field(None, description="OSM extract (.osm.pbf/.osm/.osm.bz2) used")


class Scenario(_Model):
    """Everything that changes a result. Saved as TOML or JSON next to every export."""

    name: str = "Skenario dasar"
    description: str = ""
    weights: Weights = Field(default_factory=Weights)
    radius_m: float = Field(3000.0, gt=0, description="Agent service radius (straight line)")
    default_capacity: int = Field(10, ge=1, description="Clients per agent when not given")
    group_size: int = Field(5, ge=1, description="Agents recruited per village group")
    suppression_k: int = Field(5, ge=1, description="Counts 1..k-1 are shown as '<k' in exports")
    served_statuses: list[str] = Field(default_factory=lambda: ["aktif", "selesai"])
    severe_as_referral: bool = Field(True, description="Count unserved 'berat' as BNNP referrals")
    distance_cap_m: float = Field(10000.0, gt=0, description="Distances beyond this score the max")
    share_prior: float = Field(
        3.0, ge=0, description="Pseudo-clients added to shares so tiny villages don't read as 100%"
    )
    recency_years: int = Field(3, ge=1, description="Rehab within this many years counts as recent")
    reference_year: int | None = Field(None, description="Year 'now'; None = latest in the data")
    classification: Literal["quantiles", "natural_breaks", "fixed"] = "quantiles"
    n_classes: int = Field(5, ge=2, le=9)
    fixed_breaks: list[float] = Field(default_factory=lambda: [20.0, 40.0, 60.0, 80.0, 100.0])
    top_n: int = Field(10, ge=1)
    stability_draws: int = Field(200, ge=0)
    stability_spread: float = Field(0.25, ge=0, le=1, description="Relative weight perturbation")
    seed: int = 2019
    fuzzy_threshold: float = Field(85.0, ge=0, le=100)
    place_choices: dict[str, str] = Field(
        default_factory=dict,
        description="Written place 'kelurahan|kecamatan|kab_kota' (see "
        "ibm_geo.matching.place_choice_key) -> kode the planner chose for an ambiguous, fuzzy or "
        "unmatched name; kept in the scenario so a rerun places the same rows",
    )
    filters: Filters = Field(default_factory=Filters)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    pilots: PilotConfig = Field(default_factory=PilotConfig)
    roads: RoadsConfig = Field(default_factory=RoadsConfig)

    @model_validator(mode="after")
    def _check_statuses(self) -> Scenario:
        bad = [s for s in self.served_statuses if s not in STATUSES]
        if bad:
            raise ValueError(f"served_statuses: unknown status {bad}; use {list(STATUSES)}")
        return self

    # -- persistence -------------------------------------------------------------------------
    def to_toml(self) -> str:
        return tomli_w.dumps(_drop_none(self.model_dump(mode="json")))

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False)

    def to_bytes(self, fmt: Literal["toml", "json"] = "toml") -> bytes:
        return (self.to_toml() if fmt == "toml" else self.to_json()).encode("utf-8")

    @classmethod
    def from_text(cls, text: str, fmt: Literal["toml", "json"] | None = None) -> Scenario:
        if fmt is None:
            fmt = "json" if text.lstrip().startswith("{") else "toml"
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
        return cls.model_validate(data)


def _drop_none(obj):
    """TOML has no null: a missing key means the default (None) on reload."""
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    path.write_bytes(scenario.to_bytes(fmt))
    return path


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return Scenario.from_text(path.read_text(encoding="utf-8-sig"), fmt)
