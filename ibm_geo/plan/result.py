"""Array-level solution record shared by the exact solvers and the greedy heuristic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ibm_geo.errors import MESSAGES, message
from ibm_geo.i18n import fmt_num, t


def fallback_reason(code: str, **params: object) -> str:
    """Why the exact solver did not answer, as the English line every plan output carries
    (``SolveResult.fallback``, the ``solver`` column); ``code`` is a ``plan.fallback.*`` entry
    of the message catalog, so :func:`fallback_text` can say it in the reader's language."""
    if "pairs" in params:
        params["pairs"] = fmt_num(params["pairs"], "en")
    return message(f"plan.fallback.{code}", "en", **params)


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(rx + "$")


def fallback_text(reason: str, lang: str = "id") -> str:
    """A reason written by :func:`fallback_reason` in ``lang``. The line is read back against
    the catalog's own English templates (our format, never free text); anything else is
    returned as it is."""
    for code, msg in MESSAGES.items():
        if not code.startswith("plan.fallback."):
            continue
        m = _template_regex(msg["en"]).match(reason.strip())
        if m is None:
            continue
        params = m.groupdict()
        if "pairs" in params:
            params["pairs"] = fmt_num(int(params["pairs"].replace(",", "")), lang)
        if "status" in params:
            slug = "plan.highs." + re.sub(r"\W+", "_", params["status"].strip().lower())
            if slug in MESSAGES:
                params["status"] = message(slug, lang)
        return message(code, lang, **params)
    return reason


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


def solver_text(label: str, lang: str = "id") -> str:
    """The plan's solver line (``RecruitmentPlan.solver``, the ``solver`` column, English) in
    the reader's language: CLI, app, deck and workbook say it alike."""
    low = label.lower()
    if low.startswith("greedy") and "fallback" in low:
        why = label.split("fallback:", 1)[-1].strip()
        why = why[:-1] if why.endswith(")") else why  # the label's closing bracket
        return t("solver.fallback", lang, why=fallback_text(why, lang))
    m = re.search(r"gap ([\d.]+)%", label)
    gap = fmt_num(float(m.group(1)), lang, 2) + "%" if m else "–"
    if low.startswith("greedy") and "independent" in low:
        return t("solver.independent", lang, gap=gap)
    if low.startswith("greedy") and "nested" in low:
        return t("solver.nested", lang)
    if low.startswith("greedy"):
        return t("solver.greedy", lang)
    if "optimal" in low:
        return t("solver.optimal", lang, gap=gap)
    return t("solver.exact", lang, gap=gap)
