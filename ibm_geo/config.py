"""One typed scenario object: every figure shown at a rakor can be reproduced from its file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from .components import REGISTRY

STATUSES = ("belum", "aktif", "selesai", "putus")
#: lowest suppression threshold accepted (UU PDP: 1 or 2 would publish single people)
K_FLOOR = 3
SEVERITIES = ("ringan", "sedang", "berat")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class _WeightsBase(_Model):
    """Relative weights of the score components; only their ratios matter."""

    @model_validator(mode="after")
    def _not_all_zero(self) -> _WeightsBase:
        if sum(self.as_dict().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.model_dump().items()}


#: one field per registered component (ibm_geo.components), default = its default weight
Weights = create_model(
    "Weights",
    __base__=_WeightsBase,
    __doc__="Relative weights of the score components (ibm_geo.components); only ratios matter.",
    **{c.name: (float, Field(c.default_weight, ge=0, description=c.label["en"])) for c in REGISTRY},
)


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
        None, ge=1, description="Clients per new group; None = uncapacitated"
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


class Scenario(_Model):
    """Everything that changes a result. Saved as TOML or JSON next to every export."""

    name: str = "Skenario dasar"
    description: str = ""
    weights: Weights = Field(default_factory=Weights)
    radius_m: float = Field(3000.0, gt=0, description="Agent service radius (straight line)")
    default_capacity: int = Field(10, ge=1, description="Clients per agent when not given")
    group_size: int = Field(5, ge=1, description="Agents recruited per village group")
    # --- privacy (issue 9) ------------------------------------------------------------------
    suppression_k: int = Field(
        5, description="Counts 1..k-1 are hidden in every export; at least 3 (see docs/PRIVACY.md)"
    )
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

    @field_validator("suppression_k")
    @classmethod
    def _k_floor(cls, v: int) -> int:
        # raised as a UserError (not a ValueError), so it reaches the CLI/app as its own message
        if v < K_FLOOR:
            from .errors import UserError

            raise UserError("privacy.k_floor", k=v, floor=K_FLOOR)
        return v

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
