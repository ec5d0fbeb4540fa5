"""One typed scenario object: every figure shown at a rakor can be reproduced from its file."""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .components import REGISTRY
from .errors import UserError
from .io.guard import check_special

STATUSES = ("belum", "aktif", "selesai", "putus")
#: lowest suppression threshold accepted (UU PDP: 1 or 2 would publish single people)
K_FLOOR = 3
SEVERITIES = ("ringan", "sedang", "berat")

# Upper bounds: beyond these a value is a typo (metres for km, an extra zero) or would exhaust the
# machine (each draw re-scores every unit; each curve point is a solve), not a planning choice.
#: an agent visits clients on foot or by motorbike: 50 km straight line is a whole kabupaten
MAX_RADIUS_M = 50_000.0
#: beyond 200 km every unit of a province scores the same distance anyway
MAX_DISTANCE_CAP_M = 200_000.0
#: 5,000 draws pin a rank-stability share to within about +-1.4 points (95 %)
MAX_DRAWS = 5_000
#: the curve is read for the next few years of recruitment: 200 groups = 1,000 agents
MAX_CURVE_P = 200
#: groups recruited in one plan: 10,000 groups = 50,000 agents, far above BNN's national roster
MAX_GROUPS = 10_000
MAX_TIME_S = 3600.0
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_SCENARIO_BYTES = 1_000_000


NonNegCount = Annotated[int, Field(ge=0, le=MAX_GROUPS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class _WeightsBase(_Model):
    """Relative weights of the score components; only their ratios matter."""

    @model_validator(mode="after")
    def _not_all_zero(self) -> _WeightsBase:
        if sum(self.as_dict().values()) <= 0:
            raise _rule("scenario.weights_zero")
        return self

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.model_dump().items()}


#: one field per registered component (ibm_geo.components), default = its default weight
Weights = create_model(
    "Weights",
    __base__=_WeightsBase,
    __doc__="Relative weights of the score components (ibm_geo.components); only ratios matter.",
    **{
        c.name: (float, Field(c.default_weight, ge=0, le=1000, description=c.label["en"]))
        for c in REGISTRY
    },
)


class Filters(_Model):
    """Subsets planners ask for: a BNNP or BNNK jurisdiction, a cohort of rehab years, some
    statuses."""

    provinsi: list[str] = Field(
        default_factory=list, description="Keep only these provinces (a BNNP's jurisdiction)"
    )
    kab_kota: list[str] = Field(
        default_factory=list, description="Keep only these kab/kota (a BNNK's jurisdiction)"
    )
    kecamatan: list[str] = Field(default_factory=list, description="Keep only these kecamatan")
    year_min: int | None = Field(
        None,
        ge=MIN_YEAR,
        le=MAX_YEAR,
        description="Keep clients rehabilitated in this year or later (tahun_rehab); clients "
        "without a year are left out and listed in the quality report",
    )
    year_max: int | None = Field(
        None,
        ge=MIN_YEAR,
        le=MAX_YEAR,
        description="Keep clients rehabilitated in this year or earlier (year_min = year_max: "
        "one cohort)",
    )
    statuses: list[str] = Field(
        default_factory=list,
        description="Keep clients whose post-rehab status (status_pasca) is one of these: "
        "belum (not yet in pascarehab), aktif, selesai, putus; empty = all",
    )

    @model_validator(mode="after")
    def _check(self) -> Filters:
        bad = [s for s in self.statuses if s not in STATUSES]
        if bad:
            raise _rule("scenario.statuses", key="filters.statuses", value=bad, expected=STATUSES)
        if (
            self.year_min is not None
            and self.year_max is not None
            and self.year_min > self.year_max
        ):
            raise _rule("scenario.year_range", year_min=self.year_min, year_max=self.year_max)
        return self


class Phase(_Model):
    """One budget year of a phased rollout (``[[plan.phases]]`` in TOML)."""

    year: int = Field(..., ge=MIN_YEAR, le=MAX_YEAR, description="Budget year")
    groups: int | None = Field(
        None, ge=0, le=MAX_GROUPS, description="New groups this year (None: budget decides)"
    )
    budget: float | None = Field(
        None, ge=0, le=1e15, description="Budget this year, in plan.cost_per_site units"
    )
    target: int | None = Field(
        None, ge=0, le=100_000_000, description="Clients to reach by the end of this year"
    )

    @model_validator(mode="after")
    def _one_limit(self) -> Phase:
        if self.groups is None and self.budget is None:
            raise _rule("scenario.phase_limit", year=self.year)
        return self


class PlanConfig(_Model):
    """Agent recruitment (site selection) settings, used by :mod:`ibm_geo.plan`."""

    model: Literal["mclp", "lscp", "pmedian"] = "mclp"
    p: int = Field(5, ge=0, le=MAX_GROUPS, description="New agent groups to recruit")
    radius_m: float | None = Field(
        None, gt=0, le=MAX_RADIUS_M, description="Service radius; None = scenario radius"
    )
    target_share: float = Field(0.9, gt=0, le=1, description="LSCP: share of demand to reach")
    capacity: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="Clients per new group; None = group_size x default_capacity",
    )
    unlimited_capacity: bool = Field(
        False, description="New groups reach every client within the radius (no caseload cap)"
    )
    keep_existing: bool = True
    budget: float | None = Field(None, ge=0, le=1e15)
    cost_per_site: float = Field(1.0, ge=0, le=1e15)
    min_per_kab: dict[str, NonNegCount] = Field(default_factory=dict)
    max_per_kab: dict[str, NonNegCount] = Field(default_factory=dict)
    required: list[str] = Field(
        default_factory=list, description="kode of candidates that must open"
    )
    forbidden: list[str] = Field(
        default_factory=list, description="kode of candidates never opened"
    )
    recency_weight: float = Field(
        0.0, ge=0, le=100, description="Extra demand weight for recent rehab"
    )
    severity_weight: float = Field(
        0.0, ge=0, le=100, description="Extra demand weight for sedang/berat"
    )
    exact: bool = True
    time_limit_s: float = Field(120.0, gt=0, le=MAX_TIME_S)
    mip_gap: float = Field(0.0, ge=0, le=1)
    curve_max_p: int = Field(
        20, ge=0, le=MAX_CURVE_P, description="Coverage curve for 0..curve_max_p new groups"
    )
    # -- how the programme works (issue 22) ------------------------------------------------------
    reach: Literal["desa", "radius"] = Field(
        "desa",
        description="Who a group serves: 'desa' = its own kelurahan (agents work in their own "
        "community); 'radius' = everyone within radius_m, measured as roads.distance says "
        "(straight line or road travel)",
    )
    neighbours: bool = Field(
        False, description="desa reach: a group also serves the kelurahan sharing a border"
    )
    sites_without_clients: bool = Field(
        False,
        description="Allow a group in a kelurahan with no unserved clients of its own (off: "
        "groups are recruited where the clients live)",
    )
    place_all: bool = Field(
        False,
        description="Place every requested group: groups the model cannot use go to the "
        "highest-ranked kelurahan not yet chosen",
    )
    nested: bool = Field(
        False,
        description="Plans for p and p+1 groups are nested (greedy order): one more group never "
        "moves the others",
    )
    phases: list[Phase] = Field(
        default_factory=list,
        max_length=50,
        description="Rollout over budget years: groups (or budget) per year, optional target; "
        "each year's groups are existing agents for the next",
    )
    required_pilots: list[str] = Field(
        default_factory=list,
        description="Pilot villages already decided (kode or name, e.g. the BNNP's act); the "
        "tool finds their comparison villages and what each reaches",
    )
    # -- rakor deck (issue 14): what a decision costs -------------------------------------------
    cost_per_agent_rp: float | None = Field(
        None,
        ge=0,
        le=1e11,
        description="Cost of one new Agen Pemulihan in Rupiah (training, kit, honorarium for the "
        "planning period); the deck shows the plan's cost from it; None = not set",
    )

    @model_validator(mode="after")
    def _phase_years(self) -> PlanConfig:
        years = [ph.year for ph in self.phases]
        if any(b <= a for a, b in zip(years, years[1:], strict=False)):
            raise _rule("scenario.phase_years", years=years)
        return self


class PilotConfig(_Model):
    """Pilot-village choice: N overall and/or per BNNK, from the score."""

    n_total: int | None = Field(None, ge=0, le=MAX_GROUPS)
    per_kab: int | None = Field(1, ge=0, le=MAX_GROUPS)
    min_unserved: int = Field(5, ge=0, le=1_000_000)
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

    name: str = Field("Skenario dasar", max_length=200)
    description: str = Field("", max_length=5000)
    weights: Weights = Field(default_factory=Weights)
    radius_m: float = Field(
        3000.0, gt=0, le=MAX_RADIUS_M, description="Agent service radius (straight line)"
    )
    default_capacity: int = Field(
        10, ge=1, le=10_000, description="Clients per agent when not given"
    )
    group_size: int = Field(5, ge=1, le=100, description="Agents recruited per village group")
    # --- privacy (issue 9) ------------------------------------------------------------------
    suppression_k: int = Field(
        5, description="Counts 1..k-1 are hidden in every export; at least 3 (see docs/PRIVACY.md)"
    )
    served_statuses: list[str] = Field(default_factory=lambda: ["aktif", "selesai"])
    severe_as_referral: bool = Field(True, description="Count unserved 'berat' as BNNP referrals")
    distance_cap_m: float = Field(
        10000.0, gt=0, le=MAX_DISTANCE_CAP_M, description="Distances beyond this score the max"
    )
    share_prior: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="Pseudo-clients added to shares so tiny villages don't read as 100%",
    )
    recency_years: int = Field(
        3, ge=1, le=50, description="Rehab within this many years counts as recent"
    )
    reference_year: int | None = Field(
        None, ge=MIN_YEAR, le=MAX_YEAR, description="Year 'now'; None = latest in the data"
    )
    classification: Literal["quantiles", "natural_breaks", "fixed"] = "quantiles"
    n_classes: int = Field(5, ge=2, le=9)
    fixed_breaks: list[float] = Field(
        default_factory=lambda: [20.0, 40.0, 60.0, 80.0, 100.0], max_length=20
    )
    top_n: int = Field(10, ge=1, le=10_000)
    stability_draws: int = Field(
        200, ge=0, le=MAX_DRAWS, description="Weight perturbations for the rank stability"
    )
    stability_spread: float = Field(0.25, ge=0, le=1, description="Relative weight perturbation")
    seed: int = Field(2019, ge=0, le=2**32 - 1)
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
    # -- rakor outputs (issue 14) ----------------------------------------------------------------
    data_date: str | None = Field(
        None,
        max_length=40,
        description="Cut-off date of the client and agent data as the planner states it (e.g. "
        "'30 Juni 2025'); shown on maps and slides instead of the run date",
    )
    roads: RoadsConfig = Field(default_factory=RoadsConfig)

    @field_validator("suppression_k")
    @classmethod
    def _k_floor(cls, v: int) -> int:
        # carries its own error code (privacy section of ibm_geo.errors) to the CLI and app
        if v < K_FLOOR:
            raise _rule("privacy.k_floor", k=v, floor=K_FLOOR)
        return v

    @model_validator(mode="after")
    def _check_statuses(self) -> Scenario:
        bad = [s for s in self.served_statuses if s not in STATUSES]
        if bad:
            raise _rule("scenario.statuses", key="served_statuses", value=bad, expected=STATUSES)
        br = self.fixed_breaks
        increasing = all(math.isfinite(b) for b in br) and all(
            a < b for a, b in zip(br, br[1:], strict=False)
        )
        if not increasing or (self.classification == "fixed" and not br):
            raise _rule("scenario.breaks", value=_short(br))
        return self

    # -- persistence -------------------------------------------------------------------------
    @property
    def site_radius_m(self) -> float:
        """The service radius of a recruitment site: the plan's own (``plan.radius_m``) when
        set, else the scenario's (``radius_m``). The one place this choice is made."""
        return float(self.plan.radius_m or self.radius_m)

    def to_toml(self) -> str:
        return tomli_w.dumps(_drop_none(self.model_dump(mode="json")))

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False)

    def to_bytes(self, fmt: Literal["toml", "json"] = "toml") -> bytes:
        return (self.to_toml() if fmt == "toml" else self.to_json()).encode("utf-8")

    @classmethod
    def from_bytes(
        cls, data: bytes, fmt: Literal["toml", "json"] | None = None, name: str = "scenario"
    ) -> Scenario:
        """An uploaded or read file: UTF-8 (with or without BOM) text, else a named error."""
        if len(data) > MAX_SCENARIO_BYTES:
            raise UserError("scenario.unreadable", file=name, detail=f"> {MAX_SCENARIO_BYTES} B")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserError(
                "scenario.unreadable", file=name, detail="not UTF-8 text; save it as UTF-8"
            ) from exc
        return cls.from_text(text, fmt, name)

    @classmethod
    def from_text(
        cls, text: str, fmt: Literal["toml", "json"] | None = None, name: str = "scenario"
    ) -> Scenario:
        """Parse and validate; any problem is a :class:`ScenarioError` naming the file, the line
        (syntax) or every offending key (values)."""
        if fmt is None:
            fmt = "json" if text.lstrip().startswith("{") else "toml"
        try:
            data = (
                json.loads(text, object_pairs_hook=_pairs) if fmt == "json" else tomllib.loads(text)
            )
        except RecursionError:
            raise UserError("scenario.too_deep", file=name, limit=MAX_DEPTH) from None
        except json.JSONDecodeError as exc:
            raise UserError(
                "scenario.syntax", file=name, line=exc.lineno, fmt="JSON", detail=exc.msg
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            line = m.group(1) if m else str(text.count("\n") + 1)  # "at end of document"
            dup = _toml_duplicate(str(exc), text, int(line))
            if dup:
                raise UserError("scenario.duplicate_key", file=name, key=dup) from None
            detail = re.sub(r"\s*\(at .*\)$", "", str(exc))
            raise UserError(
                "scenario.syntax",
                file=name,
                line=line,
                fmt="TOML",
                detail=detail,
            ) from exc
        except ValueError as exc:  # e.g. an integer of 5,000 digits (Python's own limit)
            raise UserError(
                "scenario.syntax", file=name, line="?", fmt=fmt.upper(), detail=str(exc)[:120]
            ) from None
        _check_tree(data, name)
        return validate_scenario(data, name)


#: documented scenarios a planner starts from (``ibm-geo scenario --preset NAME``): name ->
#: (what it reproduces, the changes to the default scenario)
PRESETS: dict[str, tuple[str, dict]] = {
    "kohort-2019": (
        "The 2019 cohort not yet in pascarehab (BNNP Sulawesi Selatan chose 18 Makassar "
        "kelurahan from it): clients rehabilitated in 2019 whose status_pasca is 'belum'",
        {
            "name": "Kohort 2019 belum pascarehab",
            "filters": {"year_min": 2019, "year_max": 2019, "statuses": ["belum"]},
        },
    ),
}


def preset(name: str) -> Scenario:
    """A documented scenario (:data:`PRESETS`), validated like a file."""
    if name not in PRESETS:
        raise UserError("scenario.choice", key="--preset", value=name, expected=sorted(PRESETS))
    return validate_scenario(PRESETS[name][1], name)


def filter_help() -> list[str]:
    """One line per filter key with its meaning (printed as TOML comments by
    ``ibm-geo scenario``)."""
    return [f"filters.{k}: {f.description}" for k, f in Filters.model_fields.items()]


#: deepest nesting a scenario may have (the real one is 3 levels: [plan] quotas ...)
MAX_DEPTH = 32
#: characters a scenario string may hold below U+0020 (a description over several lines)
_ALLOWED_CONTROL = {"\t", "\n", "\r"}


class _Pairs(dict):
    """A JSON object that remembers the keys it was given twice (the last would silently win)."""

    dups: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out = _Pairs()
    out.dups = []
    for k, v in pairs:
        if k in out:
            out.dups.append(k)
        out[k] = v
    return out


def _toml_duplicate(msg: str, text: str, line: int) -> str | None:
    """The key a TOML "Cannot overwrite a value" / "Cannot declare" error is about."""
    if "overwrite" not in msg and "declare" not in msg:
        return None
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    m = re.match(r"\s*\[*\s*([A-Za-z0-9_.\-\"' ]+?)\s*(?:\]|=)", lines[line - 1])
    return m.group(1).strip() if m else None


def _check_tree(data: Any, name: str) -> None:
    """Refuse what a validator would choke on or pass silently: nesting deeper than
    :data:`MAX_DEPTH` (walked without recursion), a key given twice (JSON), control characters
    (a terminal escape in a scenario name reaches every export) and lone surrogates."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        obj, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UserError("scenario.too_deep", file=name, limit=MAX_DEPTH)
        if isinstance(obj, dict):
            for k in getattr(obj, "dups", []):
                raise UserError("scenario.duplicate_key", file=name, key=f"{path}{k}")
            for k, v in obj.items():
                _check_text(str(k), f"{path}{k}", name)
                stack.append((v, f"{path}{k}.", depth + 1))
        elif isinstance(obj, list):
            stack.extend((v, path, depth + 1) for v in obj)
        elif isinstance(obj, str):
            _check_text(obj, path.rstrip(".") or "(file)", name)


def _check_text(text: str, key: str, name: str) -> None:
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and ch not in _ALLOWED_CONTROL) or 0x7F <= o < 0xA0 or 0xD800 <= o < 0xE000:
            raise UserError(
                "scenario.control_char", file=name, key=_printable(key), char=f"U+{o:04X}"
            )


def _printable(key: str) -> str:
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in key)


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

    check_special(path, path.name)  # a FIFO would block the read forever
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return Scenario.from_bytes(_read_scenario_bytes(path), fmt, path.name)


def _read_scenario_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise UserError(
                "scenario.unreadable", file=path.name, detail=f"larger than {MAX_SCENARIO_BYTES} B"
            )
        return path.read_bytes()
    except OSError as exc:
        raise UserError("scenario.unreadable", file=path.name, detail=exc.strerror) from exc


# -- validation errors -> typed, bilingual errors ------------------------------------------------


class ScenarioError(UserError):
    """Every problem of one scenario at once (one line, ``;``-separated), in either language."""

    def __init__(self, file: str, problems: list[UserError]) -> None:
        self.problems = problems
        super().__init__("scenario.invalid", file=file, problems="")

    def message(self, lang: str = "id") -> str:
        if not getattr(self, "problems", None):
            return super().message(lang)
        joined = "; ".join(p.message(lang) for p in self.problems)
        return f"{self.params['file']}: {joined}"


def _rule(code: str, **params: Any) -> PydanticCustomError:
    """A validator's failure carrying its error code, turned back into a UserError below."""
    return PydanticCustomError("ibm_geo", code, {"code": code, "params": params})


_OPS = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
    "too_long": ("at most", "max_length"),
}
_TYPES = {
    "int": "int",
    "float": "number",
    "bool": "bool",
    "string": "text",
    "list": "list",
    "dict": "table",
    "model": "table",
}


def _allowed_keys(loc: tuple) -> list[str]:
    model: Any = Scenario
    for part in loc:
        f = getattr(model, "model_fields", {}).get(part)
        ann = getattr(f, "annotation", None)
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            break
        model = ann
    return sorted(getattr(model, "model_fields", {}))


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _problem(err: dict) -> UserError:
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc) or "(file)"
    typ = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = _short(err.get("input"))
    if typ == "ibm_geo":
        return UserError(ctx["code"], **ctx.get("params", {}))
    if typ == "extra_forbidden":
        return UserError("scenario.unknown_key", key=key, allowed=_allowed_keys(loc[:-1]))
    if typ in _OPS:
        op, c = _OPS[typ]
        return UserError("scenario.bound", key=key, value=value, op=op, limit=ctx.get(c))
    if typ == "finite_number":
        return UserError("scenario.not_finite", key=key)
    if typ == "literal_error":
        return UserError("scenario.choice", key=key, value=value, expected=ctx.get("expected"))
    if typ == "missing":
        return UserError("scenario.missing", key=key)
    base = typ.split("_")[0]
    if base in _TYPES:
        return UserError(f"scenario.not_{_TYPES[base]}", key=key, value=value)
    return UserError("scenario.other", key=key, detail=err.get("msg", typ))


def scenario_error(exc: ValidationError, name: str) -> ScenarioError:
    return ScenarioError(name, [_problem(e) for e in exc.errors()])


def validate_scenario(data: Any, name: str = "scenario") -> Scenario:
    """``Scenario.model_validate`` with every problem as one :class:`ScenarioError`."""
    if not isinstance(data, dict):
        raise ScenarioError(
            name, [UserError("scenario.not_table", key="(file)", value=_short(data))]
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise scenario_error(exc, name) from None


def updated(scenario: Scenario, name: str = "options", **changes: Any) -> Scenario:
    """A copy with nested changes (``plan={"p": 3}``), validated like a file (``model_copy``
    does not validate)."""
    data = scenario.model_dump()
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    return validate_scenario(data, name)
