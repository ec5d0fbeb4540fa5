"""Attacker's audit of a suppressed hierarchical table: which hidden cells can still be pinned.

The local rules of :func:`ibm_geo.privacy.suppress` (every additive relation holds zero or at
least two hidden cells, never hidden cells adding up to 0) are necessary, not sufficient: row
groups and margins chain, and a reader who writes them all down as one integer program can
sometimes solve a hidden cell exactly (e.g. two small villages whose few clients all share one
status: their other status cells, and through the kecamatan total one more cell, are pinned).
So after the local rules, :func:`find_pinned` plays the attacker: every hidden cell, at every
tier, is a variable of one integer program per connected block of relations, with the
published cells as constants, and a cell is safe only when two feasible tables disagree on it.

Making that fast enough for a national table (83,402 villages, 300,000-600,000 hidden cells):

* published cells are constants, so the connected components of hidden cells are independent
  programs, checked exactly; they stay small (about a kab/kota), small ones are batched;
* most cells are certified without a solver by moves between two villages that keep every
  published number (:func:`_swap_certificates`; checked against an independent integer
  program in the tests);
* a large component (a province whose kab/kota totals are hidden) is first certified kab/kota
  by kab/kota with everything above held at its true value; only what stays pinned is checked
  in the whole component;
* in a program, a few solves with random objectives certify most cells at once; the rest are
  maximised and minimised one by one (warm-started primal simplex; the LP bound proves a pin
  without a MIP when it cannot reach the next integer);
* programs run on the machine's cores (HiGHS releases the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class _Relations:
    """Every relation a reader can write down, over cell ids ``offset[t] + row * ncol + col``,
    stored flat (relation r holds ``ids[ptr[r]:ptr[r + 1]]`` with ``coef`` alike):
    ``sum(coef * cell) == 0`` where ``exact``, else ``<= 0``. Only relations that hold a
    hidden cell are kept; a national table has hundreds of thousands, built column-wise."""

    def __init__(self, vals, masks, parent, row_groups, follows):
        self.ncol = nc = vals[0].shape[1]
        self.offset = np.cumsum([0] + [x.size for x in vals])
        self.value = np.concatenate([x.ravel() for x in vals])
        self.hidden = np.concatenate([m.ravel() for m in masks])
        self.by_cell: tuple[np.ndarray, np.ndarray] | None = None
        self.implied = implied_zeros(vals, masks, parent)
        self.ancestors: dict[int, np.ndarray] = {}  # see _ancestors
        ids: list[np.ndarray] = []  # flat cell ids, per chunk
        lens: list[np.ndarray] = []  # relation lengths, per chunk
        coefs: list[np.ndarray] = []
        exact: list[np.ndarray] = []

        def fixed(cell_ids: np.ndarray, coef: np.ndarray, ex: np.ndarray) -> None:
            ids.append(cell_ids.ravel())
            lens.append(np.full(len(cell_ids), cell_ids.shape[1]))
            coefs.append(np.tile(coef, len(cell_ids)))
            exact.append(ex)

        for t, (x, m) in enumerate(zip(vals, masks, strict=True)):
            base = self.offset[t]
            for tot, parts in row_groups:
                cells = np.asarray([tot, *parts])
                rows = np.flatnonzero(m[:, cells].any(axis=1))
                fixed(
                    base + rows[:, None] * nc + cells[None, :],
                    np.array([1.0] + [-1.0] * len(parts)),
                    x[rows, tot] == x[rows][:, parts].sum(axis=1),
                )
            for f, lead in follows:
                rows = np.flatnonzero(m[:, f] | m[:, lead])
                fixed(
                    base + rows[:, None] * nc + np.array([f, lead])[None, :],
                    np.array([1.0, -1.0]),
                    np.zeros(len(rows), dtype=bool),
                )
        for t, par in enumerate(parent):
            cm, pm = masks[t], masks[t + 1]
            order = np.argsort(par, kind="stable")
            starts = np.searchsorted(par[order], np.arange(len(pm) + 1))
            for col in range(nc):
                g = np.unique(np.concatenate([par[cm[:, col]], np.flatnonzero(pm[:, col])]))
                n_kids = starts[g + 1] - starts[g]
                size = 1 + n_kids
                at = np.cumsum(size) - size  # where each relation starts in this chunk
                flat = np.empty(int(size.sum()), dtype=np.int64)
                flat[at] = self.offset[t + 1] + g * nc + col
                kid_pos = np.ones(len(flat), dtype=bool)
                kid_pos[at] = False
                # the kids of each group: order[starts[g] : starts[g + 1]], concatenated
                first = np.repeat(starts[g] - (np.cumsum(n_kids) - n_kids), n_kids)
                kids = order[first + np.arange(int(n_kids.sum()))]
                flat[kid_pos] = self.offset[t] + kids * nc + col
                co = np.full(len(flat), -1.0)
                co[at] = 1.0
                ids.append(flat)
                lens.append(size)
                coefs.append(co)
                exact.append(np.ones(len(g), dtype=bool))
        self.ids = np.concatenate(ids).astype(np.int64) if ids else np.zeros(0, np.int64)
        self.coef = np.concatenate(coefs) if coefs else np.zeros(0)
        self.exact = np.concatenate(exact).astype(bool) if exact else np.zeros(0, bool)
        n = np.concatenate(lens) if lens else np.zeros(0, np.int64)
        self.ptr = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)

    @property
    def n_rels(self) -> int:
        return len(self.ptr) - 1

    def members(self, r: int) -> np.ndarray:
        return self.ids[self.ptr[r] : self.ptr[r + 1]]

    def gather(self, rlist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions into ``ids`` of the relations in ``rlist``, and each one's length."""
        lo, hi = self.ptr[rlist], self.ptr[rlist + 1]
        n = hi - lo
        pos = np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        return pos, n


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
    if len(hid) == 0 or not rel.n_rels:
        return np.zeros(0, dtype=np.int64), rel
    safe = set() if safe is None else safe
    todo = to_check(rel, whole_row)
    todo[np.fromiter(safe, dtype=np.int64, count=len(safe))] = False
    if todo.sum() > _BATCH_CELLS:  # later rounds check a few cells: the solver is cheaper
        quick = _swap_certificates(vals, masks, parent, row_groups, follows) & todo
        safe.update(np.flatnonzero(quick).tolist())
        todo &= ~quick
    ub = float(max(int(rel.value.max()), 1))
    # Published cells are constants, so relations link hidden cells only: each connected
    # component of hidden cells is an independent program, and checking a cell inside its
    # component is exact (no knowledge assumed beyond what is published). Components stay
    # small (a kab/kota at most, as long as its totals are published), so even a national
    # table is many small programs; small ones are solved together, a batch at a time.
    cell_comp, rel_comp = _components(rel)
    need = np.unique(cell_comp[todo])
    if len(need) == 0:
        return np.zeros(0, dtype=np.int64), rel
    by_comp = hid[np.argsort(cell_comp[hid], kind="stable")]  # hidden cells, grouped
    comp_sorted = cell_comp[by_comp]
    order = np.argsort(rel_comp, kind="stable")  # relations, grouped
    rel_sorted = rel_comp[order]

    def members(comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Relations and hidden cells of some components."""
        lo, hi = np.searchsorted(rel_sorted, comps), np.searchsorted(rel_sorted, comps, "right")
        cl, ch = np.searchsorted(comp_sorted, comps), np.searchsorted(comp_sorted, comps, "right")
        return (
            np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)]),
            np.concatenate([by_comp[a:b] for a, b in zip(cl, ch, strict=True)]),
        )

    size = np.bincount(cell_comp[hid], minlength=len(rel.value) + rel.n_rels)
    # programs, each with its own seeded generator: the certificates found do not depend on
    # which thread runs which program (and which cells are pinned is a fact of the table)
    jobs: list = []
    batch: list[int] = []
    n_batch = 0
    for pos, comp in enumerate(need):
        if size[comp] > _LARGE:  # a large component: certify what areas inside it can
            rlist, cells = members(np.array([comp]))
            jobs.append((_check_large, (rel, parent, vals, rlist, cells, todo, safe, ub)))
        else:
            batch.append(int(comp))
            n_batch += int(size[comp])
        if batch and (n_batch >= _BATCH_CELLS or pos == len(need) - 1):
            rlist, cells = members(np.asarray(batch))
            jobs.append((_check, (rel, rlist, cells, todo, safe, ub)))
            batch, n_batch = [], 0
    seeds = np.random.SeedSequence(seed).spawn(len(jobs))

    def run(i: int) -> list[int]:
        fn, args = jobs[i]
        return fn(*args, np.random.default_rng(seeds[i]))

    with ThreadPoolExecutor(max_workers=_threads()) as pool:  # HiGHS releases the GIL
        pinned = [c for found in pool.map(run, range(len(jobs))) for c in found]
    return np.asarray(sorted(pinned), dtype=np.int64), rel


def _swap_certificates(vals, masks, parent, row_groups, follows) -> np.ndarray:
    """Per cell id: a hidden cell shown to have two values without a solver.

    Three moves between two villages u and u' of one area (a kecamatan, a kab/kota, ...),
    each keeping every row sum and every published total as it is:

    * swap (the swap test's): a client of u changes attribute a -> b, one of u' b -> a;
    * transfer: one client moves from u to u' with the same attributes;
    * column move, for a count in no row group (recent unserved): u -1, u' +1.

    When u and u' lie in different kecamatan (kab/kota, ...), the totals on the way up to the
    area they share change too, so every cell that changes must be hidden and every cell that
    goes down at least 1 (and a leader stay at or above its follower). Then the moved table is
    another integer table agreeing with every published cell, and each changed cell has a
    second value. This certifies most hidden cells of a real table without a solver; the
    solver sees the rest."""
    nt = len(vals)
    ok = [np.zeros(x.shape, dtype=bool) for x in vals]

    def flat() -> np.ndarray:
        return np.concatenate([o.ravel() for o in ok])

    if not parent or not len(vals[0]):
        return flat()
    ncol = vals[0].shape[1]
    down, up = [], []
    for x, m in zip(vals, masks, strict=True):
        d, u = m & (x >= 1), m.copy()
        for f, lead in follows:  # keep the follower (recent) within its leader (unserved)
            d[:, lead] &= x[:, lead] - 1 >= x[:, f]
            u[:, f] &= x[:, f] + 1 <= x[:, lead]
        down.append(d)
        up.append(u)
    anc = [np.arange(len(vals[0]))]  # ancestor row of each village at each tier
    for par in parent:
        anc.append(par[anc[-1]])
    # a move may touch a column only through the relations it keeps: parts of one group
    uses = np.zeros(ncol, dtype=int)
    for tot, parts in row_groups:
        uses[tot] += 2
        uses[list(parts)] += 1
    free = [c for c in range(ncol) if uses[c] == 0]
    totals = {tot for tot, _ in row_groups}
    groups = [[c for c in parts if uses[c] == 1] for _, parts in row_groups]
    all_parts = [c for g in groups for c in g]
    transfer = len(totals) == 1 and all(
        len(g) == len(parts) for g, (_, parts) in zip(groups, row_groups, strict=True)
    )
    dpath, upath = down[0].copy(), up[0].copy()  # every cell on the way up can move
    for top in range(1, nt):
        if top >= 2:
            dpath &= down[top - 1][anc[top - 1]]
            upath &= up[top - 1][anc[top - 1]]

        def partners(flag: np.ndarray, top: int = top) -> np.ndarray:
            """Flagged villages under the same tier-``top`` area, outside one's own
            tier-``top - 1`` area (so every total below ``top`` on both paths changes)."""
            w = flag.astype(float)
            same = np.bincount(anc[top], weights=w, minlength=len(vals[top]))[anc[top]]
            below = np.bincount(anc[top - 1], weights=w, minlength=len(vals[top - 1]))
            return same - below[anc[top - 1]] >= 1

        def mark(rows: np.ndarray, col: int, top: int = top) -> None:
            for t in range(top):
                ok[t][anc[t][rows], col] = True

        for g in groups:
            for i, a in enumerate(g):
                for b in g[i + 1 :]:
                    plus = upath[:, a] & dpath[:, b]  # can take a + 1, b - 1
                    minus = dpath[:, a] & upath[:, b]
                    good = (plus & partners(minus)) | (minus & partners(plus))
                    mark(good, a)
                    mark(good, b)
        for c in free:
            mark((dpath[:, c] & partners(upath[:, c])) | (upath[:, c] & partners(dpath[:, c])), c)
        if transfer and all_parts:
            (tot,) = totals
            give = dpath[:, tot].copy()
            for g in groups:
                give &= dpath[:, g].any(axis=1)
            take = upath[:, tot] & upath[:, all_parts].all(axis=1)
            giver, taker = give & partners(take), take & partners(give)
            mark(giver, tot)
            mark(taker, tot)
            for a in all_parts:
                mark(giver & dpath[:, a], a)
                mark(taker & partners(give & dpath[:, a]), a)
            for f, lead in follows:  # the client moved may carry the follower too
                if lead not in all_parts or uses[f]:
                    continue
                both_down = both_up = np.ones(len(give), dtype=bool)
                for t in range(top):
                    m, x = masks[t][anc[t]], vals[t][anc[t]]
                    both_up = both_up & m[:, f] & m[:, lead]
                    both_down = both_down & m[:, f] & m[:, lead] & (x[:, f] >= 1)
                g_f = dpath[:, tot] & both_down
                for g in groups:
                    if lead not in g:
                        g_f &= dpath[:, g].any(axis=1)
                t_f = take & both_up
                for rows in (g_f & partners(t_f), t_f & partners(g_f)):
                    for c in (tot, lead, f):
                        mark(rows, c)
    return flat()


def _check_large(rel, parent, vals, rlist, cells, todo, safe, ub, rng) -> list[int]:
    """Pinned cells of one large component (a province whose kab/kota totals are hidden).

    A table that moves only the cells inside one kab/kota (everything above held at its true
    value) is also a table of the whole component, so certificates found in these small
    programs hold; only the cells they leave pinned are checked in the whole component."""
    check = np.zeros(len(rel.value), dtype=bool)
    check[cells] = todo[cells]
    tier = np.searchsorted(rel.offset, cells, side="right") - 1
    pos, n = rel.gather(rlist)
    which = np.repeat(np.arange(len(rlist)), n)
    for a in range(2, len(vals)):
        anc = _ancestors(rel, parent, vals, a)
        inner = cells[tier < a]
        var = np.zeros(len(rel.value), dtype=bool)
        var[inner] = True
        ids = rel.ids[pos]
        block = np.full(len(rlist), -1, dtype=np.int64)
        np.maximum.at(block, which, np.where(var[ids], anc[ids], -1))
        keep = block >= 0
        by = np.argsort(block[keep], kind="stable")
        rl, bl = rlist[keep][by], block[keep][by]
        cut = np.flatnonzero(np.diff(bl)) + 1
        for rs in np.split(rl, cut):
            bpos, _ = rel.gather(rs)
            bc = np.unique(rel.ids[bpos])
            bc = bc[var[bc]]
            if check[bc].any():
                bad = _check(rel, rs, bc, check, safe, ub, rng)
                check[bc] = False
                check[np.asarray(bad, dtype=np.int64)] = True
    if not check[cells].any():
        return []
    return _check(rel, rlist, cells, check, safe, ub, rng)


def _ancestors(rel, parent, vals, a) -> np.ndarray:
    """Per cell id of tiers < a: the row of its ancestor at tier a (-1 elsewhere); once per
    table and tier, not once per large component."""
    if a in rel.ancestors:
        return rel.ancestors[a]
    anc = np.full(len(rel.value), -1, dtype=np.int64)
    up = [np.arange(len(vals[a]))]
    for t in range(a - 1, -1, -1):
        up.insert(0, up[0][parent[t]])
    for t in range(a):
        anc[rel.offset[t] : rel.offset[t + 1]] = np.repeat(up[t], rel.ncol)
    rel.ancestors[a] = anc
    return anc


def _threads() -> int:
    """Programs solved at once (``IBM_GEO_AUDIT_THREADS``, default: the machine's cores, at
    most 4): the programs are independent and HiGHS runs them without holding the GIL."""
    try:
        return max(1, int(os.environ["IBM_GEO_AUDIT_THREADS"]))
    except (KeyError, ValueError):
        return min(4, os.cpu_count() or 1)


#: hidden cells solved together in one program (many small components at once)
_BATCH_CELLS = 250
#: a component with more hidden cells is first certified area by area (see _check_large)
_LARGE = 4000


def _components(rel: _Relations) -> tuple[np.ndarray, np.ndarray]:
    """Component label per cell id and per relation, over the graph in which a relation links
    the hidden cells it holds (published cells are constants and link nothing)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nc, nr = len(rel.value), rel.n_rels
    of = np.repeat(np.arange(nr), np.diff(rel.ptr))
    h = rel.hidden[rel.ids]
    g = coo_matrix(
        (np.ones(int(h.sum()), dtype=np.int8), (of[h] + nc, rel.ids[h])),
        shape=(nc + nr, nc + nr),
    )
    _, lab = connected_components(g, directed=False)
    return lab[:nc], lab[nc:]


def _check(rel, rlist, cells, todo, safe, ub, rng) -> list[int]:
    """Pinned cells among ``cells`` (the variables; other cells are constants at their true
    value); only cells in ``todo`` need a certificate. Certified cells join ``safe``."""
    need = todo[cells]
    bad = _pinned_in_block(rel, list(rlist), cells, ~need, ub, rng)
    ok = need.copy()
    ok[bad] = False
    safe.update(cells[ok].tolist())
    return cells[bad].tolist()


def to_check(rel: _Relations, whole_row: int | None) -> np.ndarray:
    """Per cell id: a hidden cell the audit must show to have two values -- not a 0 that
    published zeros state (:func:`implied_zeros`), nor a 0 of a row whose ``whole_row`` total
    (clients) is published (see :func:`find_pinned`)."""
    todo = rel.hidden & ~rel.implied
    if whole_row is not None:
        cells = np.arange(len(rel.value))
        tier_of = np.searchsorted(rel.offset, cells, side="right") - 1
        row_total = rel.offset[tier_of] + (cells - rel.offset[tier_of]) // rel.ncol * rel.ncol
        todo &= ~((rel.value == 0) & ~rel.hidden[row_total + whole_row])
    return todo


def implied_zeros(vals, masks, parent) -> np.ndarray:
    """Per cell id: a 0 that published zeros already state -- under a published zero total of
    the same column ("nobody in this kecamatan has status X"), or a total whose children in
    that column are all published. Hiding such a cell hides nothing and protects nothing, so
    it is neither chased as pinned nor chosen as a complement."""
    forced = [np.zeros(x.shape, dtype=bool) for x in vals]
    for t in range(len(vals) - 2, -1, -1):
        up = forced[t + 1] | ((vals[t + 1] == 0) & ~masks[t + 1])
        forced[t] = up[parent[t]]
    for t, par in enumerate(parent):
        ng = len(vals[t + 1])
        n_hidden_kids = np.stack(
            [
                np.bincount(par, weights=masks[t][:, c], minlength=ng)
                for c in range(vals[t].shape[1])
            ],
            axis=1,
        ).reshape(vals[t + 1].shape)
        forced[t + 1] |= (vals[t + 1] == 0) & (n_hidden_kids == 0)
    return np.concatenate([f.ravel() for f in forced])


def _pinned_in_block(rel, rlist, members, done, ub, rng) -> np.ndarray:
    """Local indices (into ``members``, cell ids) of variables with a single feasible value; ``done``
    marks variables that need no check. Solves are LP first (integral optima are common on
    these network-like relations and certify as well as a MIP), MIP for what remains."""
    import highspy

    nv = len(members)
    # variable index of each cell of the program's relations (-1: a published constant); by
    # search in the sorted members, not a table the size of the whole country per program
    by = np.argsort(members, kind="stable")
    truth = rel.value[members].astype(float)
    from ibm_geo.plan.solvers import _new_highs

    h = _new_highs()  # silent: the CLI prints only its own lines
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("simplex_strategy", 4)
    h.addVars(nv, np.zeros(nv), np.full(nv, ub))
    rlist = np.asarray(rlist, dtype=np.int64)
    pos, n = rel.gather(rlist)
    ids, coef = rel.ids[pos], rel.coef[pos]
    at = np.minimum(np.searchsorted(members, ids, sorter=by), nv - 1)
    var = members[by[at]] == ids
    j = np.where(var, by[at], -1)
    which = np.repeat(np.arange(len(rlist)), n)
    const = np.bincount(which, weights=np.where(var, 0.0, coef * rel.value[ids]), minlength=len(n))
    lower = np.where(rel.exact[rlist], -const, -highspy.kHighsInf)
    n_var = np.bincount(which, weights=var, minlength=len(n)).astype(np.int64)
    starts = (np.cumsum(n_var) - n_var).astype(np.int32)
    h.addRows(len(rlist), lower, -const, int(var.sum()), starts, j[var].astype(np.int32), coef[var])
    certified = done.copy()
    cols = np.arange(nv, dtype=np.int32)
    integral = np.ones(nv, dtype=np.uint8)

    state = {"mip": False}

    def solve(cost: np.ndarray, mip: bool) -> bool:
        if state["mip"] != mip:  # switching drops HiGHS's warm start: only when needed
            h.changeColsIntegrality(nv, cols, integral * mip)
            state["mip"] = mip
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


def complement_for(rel: _Relations, cell: int, cost: np.ndarray, tries: int = 1) -> list[int]:
    """Published cells to hide so that a pinned ``cell`` gains freedom: the cheapest non-zero
    published cell sharing a relation with it (a zero only when there is none, and never a
    zero that published zeros state, :func:`implied_zeros`); when every cell of its relations
    is hidden already, the search widens to their relations.

    ``tries``: rounds in which ``cell`` was found pinned. From the second on, the cheapest
    non-zero such cell of *each* relation of ``cell`` (a kecamatan total pinned through its
    kab/kota margin kept getting a village cell, the cheapest, which does not help): one round
    instead of a dozen, and fewer cells hidden than a dozen rounds of complements and their
    local rules. No zero is picked in every relation: it could leave a zero total with one
    hidden zero below it, which the local rules cannot complete."""
    if rel.by_cell is None:  # relations of each cell: a transpose of the flat relation list
        of = np.repeat(np.arange(rel.n_rels), np.diff(rel.ptr))
        order = np.argsort(rel.ids, kind="stable")
        rel.by_cell = (rel.ids[order], of[order])
    cell_ids, rel_of = rel.by_cell

    def rels_of(c: int) -> np.ndarray:
        return rel_of[np.searchsorted(cell_ids, c) : np.searchsorted(cell_ids, c, side="right")]

    def key(d: int) -> tuple:
        return (rel.value[d] == 0, cost[d])

    if tries > 1:
        picks = set()
        for r in rels_of(cell):
            m = rel.members(int(r))
            m = m[~rel.hidden[m] & (rel.value[m] > 0)]
            if len(m):
                picks.add(min(m.tolist(), key=key))
        if picks:
            return sorted(picks)
    seen_cells, frontier = {cell}, [cell]
    for _ in range(6):
        cands: set[int] = set()
        nxt: list[int] = []
        for c in frontier:
            for r in rels_of(c):
                for d in rel.members(int(r)):
                    d = int(d)
                    if d in seen_cells:
                        continue
                    seen_cells.add(d)
                    if rel.hidden[d]:
                        nxt.append(d)
                    elif not rel.implied[d]:
                        cands.add(d)
        if cands:
            return [min(cands, key=key)]
        frontier = nxt
        if not frontier:
            break
    return []
