"""Attacker's audit of a suppressed hierarchical table: which hidden cells can still be pinned.

The local rules of :func:`ibm_geo.privacy.suppress` (every additive relation holds zero or at
least two hidden cells, never hidden cells adding up to 0) are necessary, not sufficient: row
groups and margins chain, and a reader who writes them all down as one integer program can
sometimes solve a hidden cell exactly (e.g. two small villages whose few clients all share one
status: their other status cells, and through the kecamatan total one more cell, are pinned).
So after the local rules, :func:`find_pinned` plays the attacker: every hidden cell, at every
tier, is a variable of one integer program per connected block of relations, with the
published cells as constants, and a cell is safe only when two feasible tables disagree on it.

Certifying is cheap in the usual case: a few solves with random objectives move most hidden
cells away from their true value at once (each such solution certifies every cell it moves);
only the rest are maximised and minimised one by one.
"""

from __future__ import annotations

import numpy as np


class _Relations:
    """Every relation a reader can write down, over cell ids ``offset[t] + row * ncol + col``."""

    def __init__(self, vals, masks, parent, row_groups, follows):
        self.ncol = vals[0].shape[1]
        self.offset = np.cumsum([0] + [x.size for x in vals])
        self.value = np.concatenate([x.ravel() for x in vals])
        self.hidden = np.concatenate([m.ravel() for m in masks])
        # (cells, coefficients, is_equality): sum(coef * cell) == 0, or <= 0
        self.rels: list[tuple[np.ndarray, np.ndarray, bool]] = []
        self.by_cell: dict[int, list[int]] | None = None
        nc = self.ncol
        for t, (x, m) in enumerate(zip(vals, masks, strict=True)):
            base = self.offset[t]
            for tot, parts in row_groups:
                cells = [tot, *parts]
                rows = np.flatnonzero(m[:, cells].any(axis=1))
                for i in rows:
                    ids = base + i * nc + np.asarray(cells)
                    exact = x[i, tot] == x[i, parts].sum()
                    self._add(ids, np.array([1.0] + [-1.0] * len(parts)), exact)
            for f, lead in follows:
                for i in np.flatnonzero(m[:, f] | m[:, lead]):
                    self._add(base + i * nc + np.array([f, lead]), np.array([1.0, -1.0]), False)
        for t, par in enumerate(parent):
            cm, pm = masks[t], masks[t + 1]
            order = np.argsort(par, kind="stable")
            starts = np.searchsorted(par[order], np.arange(len(pm) + 1))
            for col in range(nc):
                touched = np.unique(np.concatenate([par[cm[:, col]], np.flatnonzero(pm[:, col])]))
                for g in touched:
                    kids = order[starts[g] : starts[g + 1]]
                    ids = np.concatenate(
                        [
                            [self.offset[t + 1] + g * nc + col],
                            self.offset[t] + kids * nc + col,
                        ]
                    )
                    self._add(ids, np.array([1.0] + [-1.0] * len(kids)), True)

    def _add(self, ids, coef, exact) -> None:
        if self.hidden[ids].any():
            self.rels.append((ids.astype(np.int64), coef, bool(exact)))


def find_pinned(
    vals: list[np.ndarray],
    masks: list[np.ndarray],
    parent: list[np.ndarray],
    row_groups: list[tuple[int, list[int]]],
    follows: tuple[tuple[int, int], ...] = (),
    seed: int = 0,
    safe: set[int] | None = None,
    whole_row: int | None = None,
) -> tuple[np.ndarray, _Relations]:
    """Cell ids (see :class:`_Relations`) of hidden cells that take one value in every integer
    table agreeing with the published cells. A hidden cell under a published zero total is left
    out: "nobody in this kecamatan has status X" is a statement about the whole kecamatan.

    A hidden 0 in a row whose ``whole_row`` total (clients) is published is left out too: zeros
    of such a row could have been published (only a small place hides its zeros), so pinning
    one tells nothing the rules protect; chasing them only spreads suppression over empty rows.

    ``safe`` (cell ids, updated in place) carries certificates between calls: hiding more cells
    only adds freedom, so a cell once shown to have two values keeps them."""
    rel = _Relations(vals, masks, parent, row_groups, follows)
    hid = np.flatnonzero(rel.hidden)
    if len(hid) == 0 or not rel.rels:
        return np.zeros(0, dtype=np.int64), rel
    forced = _under_published_zero(vals, masks, parent, rel)
    safe = set() if safe is None else safe
    todo = rel.hidden & ~forced
    if whole_row is not None:
        cells = np.arange(len(rel.value))
        tier_of = np.searchsorted(rel.offset, cells, side="right") - 1
        row_total = rel.offset[tier_of] + (cells - rel.offset[tier_of]) // rel.ncol * rel.ncol
        todo &= ~((rel.value == 0) & ~rel.hidden[row_total + whole_row])
    todo[np.fromiter(safe, dtype=np.int64, count=len(safe))] = False
    ub = float(max(int(rel.value.max()), 1))
    rng = np.random.default_rng(seed)
    # Blocks. A hidden cell of tier t is checked inside its ancestor at tier a = max(2, t + 1)
    # (units and kecamatan totals per kab/kota, kab/kota totals per province, ...), with every
    # cell at tier >= a treated as known: an attacker who knew more could only pin more, so
    # this errs on the safe side and keeps each program small. Only cells of the top tiers
    # need the whole model.
    nt = len(vals)
    tier = np.searchsorted(rel.offset, np.arange(len(rel.value)), side="right") - 1
    pinned: list[int] = []
    for t in range(nt):
        check = todo & (tier == t)
        # a pin found with the upper tiers known may be an artefact of that extra knowledge:
        # check it again in the whole model
        for a in sorted({max(2, t + 1), nt}):
            if not check.any():
                break
            if a >= nt:
                bad = _check(rel, range(len(rel.rels)), hid, check, safe, ub, rng)
            else:
                bad = _check_blocks(rel, parent, vals, tier, a, check, safe, ub, rng)
            check = np.zeros_like(check)
            check[np.asarray(bad, dtype=np.int64)] = True
        pinned.extend(np.flatnonzero(check).tolist())
    return np.asarray(pinned, dtype=np.int64), rel


def _check_blocks(rel, parent, vals, tier, a, check, safe, ub, rng) -> list[int]:
    """Pinned cells of ``check`` with every cell of tier >= a known, one program per ancestor
    at tier a."""
    anc = _ancestors(rel, parent, vals, a)
    var = rel.hidden & (tier < a)
    by_block: dict[int, list[int]] = {}
    for r, (ids, _, _) in enumerate(rel.rels):
        v = ids[var[ids]]
        if len(v):
            by_block.setdefault(int(anc[v[0]]), []).append(r)
    bad: list[int] = []
    for rlist in by_block.values():
        cells = np.unique(np.concatenate([rel.rels[r][0] for r in rlist]))
        cells = cells[var[cells]]
        if check[cells].any():
            bad.extend(_check(rel, rlist, cells, check, safe, ub, rng))
    return bad


def _ancestors(rel, parent, vals, a) -> np.ndarray:
    """Per cell id of tiers < a: the row of its ancestor at tier a (-1 elsewhere)."""
    anc = np.full(len(rel.value), -1, dtype=np.int64)
    up = [np.arange(len(vals[a]))]
    for t in range(a - 1, -1, -1):
        up.insert(0, up[0][parent[t]])
    for t in range(a):
        anc[rel.offset[t] : rel.offset[t + 1]] = np.repeat(up[t], rel.ncol)
    return anc


def _check(rel, rlist, cells, todo, safe, ub, rng) -> list[int]:
    """Pinned cells among ``cells`` (the variables; other cells are constants at their true
    value); only cells in ``todo`` need a certificate. Certified cells join ``safe``."""
    need = todo[cells]
    bad = _pinned_in_block(rel, list(rlist), cells, ~need, ub, rng)
    ok = need.copy()
    ok[bad] = False
    safe.update(cells[ok].tolist())
    return cells[bad].tolist()


def _under_published_zero(vals, masks, parent, rel) -> np.ndarray:
    """Per cell id: some published ancestor total of the same column is 0."""
    forced = [np.zeros(x.shape, dtype=bool) for x in vals]
    for t in range(len(vals) - 2, -1, -1):
        up = forced[t + 1] | ((vals[t + 1] == 0) & ~masks[t + 1])
        forced[t] = up[parent[t]]
    return np.concatenate([f.ravel() for f in forced])


def _pinned_in_block(rel, rlist, members, done, ub, rng) -> np.ndarray:
    """Local indices (into ``members``, cell ids) of variables with a single feasible value; ``done``
    marks variables that need no check. Solves are LP first (integral optima are common on
    these network-like relations and certify as well as a MIP), MIP for what remains."""
    import highspy

    nv = len(members)
    local = -np.ones(len(rel.value), dtype=np.int64)
    cell_of = members
    local[cell_of] = np.arange(nv)
    truth = rel.value[cell_of].astype(float)
    from ibm_geo.plan.solvers import _new_highs

    h = _new_highs()  # silent: the CLI prints only its own lines
    h.setOptionValue("mip_rel_gap", 0.0)
    h.addVars(nv, np.zeros(nv), np.full(nv, ub))
    for r in rlist:
        ids, coef, exact = rel.rels[r]
        j = local[ids]
        var = j >= 0
        const = float((coef[~var] * rel.value[ids[~var]]).sum())
        lo = -const if exact else -highspy.kHighsInf
        h.addRow(lo, -const, int(var.sum()), j[var].astype(np.int32), coef[var])
    certified = done.copy()
    cols = np.arange(nv, dtype=np.int32)
    integral = np.ones(nv, dtype=np.uint8)

    def solve(cost: np.ndarray, mip: bool) -> bool:
        h.changeColsIntegrality(nv, cols, integral * mip)
        h.changeColsCost(nv, cols, cost)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        x = np.asarray(h.getSolution().col_value)
        if not mip and np.abs(x - np.round(x)).max() > 1e-6:
            return False  # a fractional vertex certifies nothing
        before = int(certified.sum())
        certified[:] |= np.round(x) != truth
        return int(certified.sum()) > before

    for _ in range(8):
        todo = ~certified
        if not todo.any():
            break
        s = rng.choice([-1.0, 1.0], size=nv) * todo
        gained = solve(s, False) | solve(-s, False)
        if not gained:
            break
    for j in np.flatnonzero(~certified):
        e = np.zeros(nv)
        e[j] = -1.0  # HiGHS minimises: -x_j maximises x_j
        for sign in (1.0, -1.0):
            if certified[j]:
                break
            solve(sign * e, False)
            # the LP optimum bounds the integer one: if it cannot reach the next integer in
            # this direction, no integer table can either, and the MIP is not needed
            bound = -sign * h.getInfo().objective_function_value
            beyond = bound >= truth[j] + 1 - 1e-6 if sign > 0 else bound <= truth[j] - 1 + 1e-6
            if not certified[j] and beyond:
                solve(sign * e, True)
    return np.flatnonzero(~certified)


def complement_for(rel: _Relations, cell: int, cost: np.ndarray) -> int | None:
    """The published cell to hide so that a pinned ``cell`` gains freedom: the cheapest
    non-zero published cell sharing a relation with it (a zero only when there is none); when
    every cell of its relations is hidden already, the search widens to their relations."""
    if rel.by_cell is None:
        rel.by_cell = {}
        for r, (ids, _, _) in enumerate(rel.rels):
            for c in ids:
                rel.by_cell.setdefault(int(c), []).append(r)
    by_cell = rel.by_cell
    seen_cells, frontier = {cell}, [cell]
    for _ in range(6):
        cands: set[int] = set()
        nxt: list[int] = []
        for c in frontier:
            for r in by_cell.get(c, []):
                for d in rel.rels[r][0]:
                    d = int(d)
                    if d in seen_cells:
                        continue
                    seen_cells.add(d)
                    if rel.hidden[d]:
                        nxt.append(d)
                    else:
                        cands.add(d)
        if cands:
            return min(cands, key=lambda d: (rel.value[d] == 0, cost[d]))
        frontier = nxt
        if not frontier:
            break
    return None
