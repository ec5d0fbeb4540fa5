"""Array-level solution record shared by the exact solvers and the greedy heuristic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SolveResult:
    """One solved location model; indices refer to the candidate columns of the coverage.

    ``objective`` is the model's own objective: new demand weight reached (MCLP, not counting
    demand already covered by fixed sites), number/cost of sites (LSCP) or demand-weighted
    distance (p-median). ``bound`` is the best proven bound on it and ``gap`` the relative gap
    (0 = proven optimal; NaN for the greedy heuristic, which proves nothing).
    """

    selected: np.ndarray
    objective: float
    bound: float
    gap: float
    method: str
    status: str
    runtime_s: float
    total_demand: float = 0.0
    covered_before: float = 0.0
    covered_after: float = 0.0
    fixed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gains: np.ndarray | None = None
    #: (demand index, site index, amount) triplets when the model assigns demand explicitly
    #: (capacitated coverage, p-median); None means "nearest open site within the radius".
    flows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: Why the exact solver did not answer ("" when it did): a time limit, an infeasible or
    #: too-large model. Every plan output writes it, so a heuristic plan never passes as optimal.
    fallback: str = ""

    @property
    def n_selected(self) -> int:
        return int(len(self.selected))
