"""The one registry of score components: each declared once, everything else derived from it.

A component is a small function in the momepy shape (table in, named Series in [0, 1] out) with
its name, role, whether it is driven by client counts, default weight and texts in both
languages. :class:`ibm_geo.config.Weights`, the score, the "why ranked here" texts, the pilot
profile, the privacy layer's list of count-driven points and the app's sliders all read
:data:`REGISTRY`; ``tests/test_components.py`` fails when one of them disagrees. Adding a
component touches this file only.

The score is **need-led**: the ``need`` component (unserved clients relative to the largest
count in the area) is the base, and every ``modifier`` (share, recency, distance, presence)
scales it between ``w_need / sum(w)`` and 1::

    score = 100 * need * (w_need + sum_i w_i * c_i) / sum(w)

so a village with no unmet need scores 0 however remote it is, and distance or a missing agent
can at most multiply a need, never create one. Points per component (``pts_<name>``) are the
terms of that sum and add up to the score.

Components read *published* values (see :mod:`ibm_geo.privacy`): counts that are hidden in the
exports enter as a fixed stand-in, so no score depends on a hidden count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ibm_geo.i18n import register


@dataclass(frozen=True)
class Component:
    """One score component. ``compute(table, scenario) -> Series`` in [0, 1] named ``c_<name>``;
    ``table`` holds published values (``unserved``, ``clients``, ``unserved_recent``,
    ``dist_nearest_m``, ``agents_active``)."""

    name: str
    role: Literal["need", "modifier"]
    count_driven: bool
    default_weight: float
    label: dict[str, str]
    help: dict[str, str]
    factor: dict[str, str]  # "main factor" phrase in the reason text
    compute: Callable[[pd.DataFrame, object], pd.Series]

    @property
    def column(self) -> str:
        return f"c_{self.name}"

    @property
    def points(self) -> str:
        return f"pts_{self.name}"


def _num(table: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(table[col], errors="coerce").fillna(0).to_numpy(dtype=float)


def unserved_count(table: pd.DataFrame, scenario) -> pd.Series:
    """Unserved / the largest unserved count in the area (linear: checkable by hand)."""
    u = _num(table, "unserved")
    mx = u.max() if len(u) else 0.0
    return pd.Series(u / mx if mx > 0 else np.zeros_like(u), index=table.index)


def unserved_share(table: pd.DataFrame, scenario) -> pd.Series:
    """unserved / (clients + m): m = ``share_prior`` pseudo-clients keep one unserved client out
    of one from reading as 100 %."""
    u = _num(table, "unserved")
    c = np.maximum(_num(table, "clients"), u)
    m = float(scenario.share_prior)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(c + m > 0, u / (c + m), 0.0)
    return pd.Series(np.clip(s, 0, 1), index=table.index)


def recency(table: pd.DataFrame, scenario) -> pd.Series:
    """Recently rehabilitated unserved / (unserved + m), smoothed the same way."""
    u = _num(table, "unserved")
    r = np.minimum(_num(table, "unserved_recent"), u)
    m = float(scenario.share_prior)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(u + m > 0, r / (u + m), 0.0)
    return pd.Series(np.clip(s, 0, 1), index=table.index)


def distance(table: pd.DataFrame, scenario) -> pd.Series:
    """Distance to the nearest agent with spare capacity or service point, capped at
    ``distance_cap_m`` (none anywhere = 1)."""
    d = pd.to_numeric(table["dist_nearest_m"], errors="coerce").to_numpy(dtype=float)
    cap = float(scenario.distance_cap_m)
    return pd.Series(np.where(np.isnan(d), 1.0, np.minimum(d, cap) / cap), index=table.index)


def presence(table: pd.DataFrame, scenario) -> pd.Series:
    """1 - active agents / group size (a full group of agents = 0)."""
    a = _num(table, "agents_active")
    return pd.Series(1.0 - np.minimum(a / scenario.group_size, 1.0), index=table.index)


REGISTRY: tuple[Component, ...] = (
    Component(
        "unserved_count",
        "need",
        True,
        0.35,
        {"id": "Jumlah klien belum terlayani", "en": "Number of unserved clients"},
        {
            "id": "Dasar skor: klien tanpa pendampingan dibanding desa dengan jumlah terbanyak. "
            "Desa tanpa klien belum terlayani selalu bernilai 0.",
            "en": "The base of the score: unserved clients relative to the village with the "
            "most. A village with none always scores 0.",
        },
        {"id": "jumlah klien belum terlayani", "en": "number of unserved clients"},
        unserved_count,
    ),
    Component(
        "unserved_share",
        "modifier",
        True,
        0.20,
        {"id": "Porsi belum terlayani", "en": "Unserved share"},
        {
            "id": "Menaikkan skor bila sebagian besar klien desa itu belum terlayani.",
            "en": "Raises the score when most of the village's clients are unserved.",
        },
        {"id": "proporsi klien belum terlayani", "en": "share of clients unserved"},
        unserved_share,
    ),
    Component(
        "recency",
        "modifier",
        True,
        0.15,
        {"id": "Baru selesai rehabilitasi", "en": "Recent rehab"},
        {
            "id": "Menaikkan skor bila klien belum terlayani baru selesai rehabilitasi.",
            "en": "Raises the score when unserved clients left rehab recently.",
        },
        {"id": "klien baru selesai rehabilitasi", "en": "recently rehabilitated clients"},
        recency,
    ),
    Component(
        "distance",
        "modifier",
        False,
        0.20,
        {"id": "Jarak ke agen/layanan", "en": "Distance to agent/service"},
        {
            "id": "Menaikkan skor bila agen dengan kapasitas tersisa atau titik layanan jauh. "
            "Tidak menambah kebutuhan di desa tanpa klien belum terlayani.",
            "en": "Raises the score when agents with spare capacity or service points are far. "
            "Adds nothing where no client is unserved.",
        },
        {"id": "jauh dari agen/layanan", "en": "far from agents/services"},
        distance,
    ),
    Component(
        "presence",
        "modifier",
        False,
        0.10,
        {"id": "Belum ada agen di desa", "en": "No agents in the village"},
        {
            "id": "Menaikkan skor desa tanpa (cukup) Agen Pemulihan aktif.",
            "en": "Raises the score of villages without (enough) active agents.",
        },
        {"id": "belum ada agen", "en": "no agents yet"},
        presence,
    ),
)

NAMES: tuple[str, ...] = tuple(c.name for c in REGISTRY)
BY_NAME: dict[str, Component] = {c.name: c for c in REGISTRY}
NEED: str = next(c.name for c in REGISTRY if c.role == "need")
#: points columns driven by client counts (privacy layer, tests)
COUNT_DRIVEN: tuple[str, ...] = tuple(c.name for c in REGISTRY if c.count_driven)
#: the per-kelurahan values a pilot and its comparison village are matched on
PILOT_PROFILE: tuple[str, ...] = tuple(c.column for c in REGISTRY)


def compute_all(table: pd.DataFrame, scenario) -> pd.DataFrame:
    """Every component (columns ``c_<name>``) in registry order."""
    return pd.DataFrame(
        {c.column: c.compute(table, scenario).to_numpy(dtype=float) for c in REGISTRY},
        index=table.index,
    )


def _register_point_labels() -> None:
    """Headers of the ``pts_<name>`` columns (XLSX, app) from each component's own label."""
    word = {"id": "Poin", "en": "Points"}
    register(
        {
            f"field.pts_{c.name}": {lang: f"{word[lang]}: {c.label[lang]}" for lang in word}
            for c in REGISTRY
        }
    )


_register_point_labels()
