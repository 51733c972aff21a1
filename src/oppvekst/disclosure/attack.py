"""The attack check: how tightly can an attacker pin each suppressed cell from what is published?

For every suppressed cell, the smallest and largest numerator consistent with everything published,
found by linear programming (HiGHS): the inner cells are unknown non-negative counts y, with
denominators z (y <= z); every published numerator fixes the sum of y over its inner cells, every
known denominator the sum of z. The interval [min, max] of the cell's sum is the tightest an attacker
can derive this way; a cell is *pinned* when the interval has no width.

The problem is split before it is solved: a published cell whose parts (in some dimension) are all
published adds nothing and is dropped, and the remaining constraints fall apart into small independent
blocks (a municipality and its zones, say), each solved on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from oppvekst.disclosure.model import TableModel

PINNED = 1e-6


def _equations(model: TableModel, known: np.ndarray, values: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The known cells as equations over atoms, each reduced by the known parts inside it.

    A known cell Q that is a sum of parts (in some dimension) is rewritten as Q minus its known parts
    = the sum over the atoms of its unknown parts, recursively. The system is unchanged (the parts have
    equations of their own) but equations now only tie together atoms of unknown cells, so the LP falls
    apart into small blocks. An equation that reduces to nothing is implied by others and dropped.
    """
    lookup = model.lookup()
    node = model.node
    memo: dict[int, tuple[np.ndarray, float]] = {}

    def child_atoms(key: list[int]) -> np.ndarray:
        parts = [model.dims[k].atom_sets[key[k]] * model.strides[k] for k in range(len(model.dims))]
        flat = parts[0]
        for p in parts[1:]:
            flat = (flat[:, None] + p[None, :]).ravel()
        return flat

    def reduce(i: int) -> tuple[np.ndarray, float]:
        if i in memo:
            return memo[i]
        best, best_gain = None, 0
        for k, dim in enumerate(model.dims):
            children = dim.partitions.get(int(node[i, k]))
            if not children:
                continue
            key = list(node[i])
            found = []
            gain = 0
            for c in children:
                j = None
                for twin in dim.twins[c]:   # e.g. Oslo county for Oslo municipality
                    key[k] = twin
                    t = lookup.get(tuple(key))
                    if t is not None and (j is None or known[t]):
                        j = t
                key[k] = c
                found.append((c, j))
                if j is not None and known[j]:
                    gain += 1
            if gain > best_gain:
                best, best_gain = (k, found), gain
        if best is None:
            memo[i] = (model.atoms(i), 0.0)
            return memo[i]
        k, found = best
        atoms, const = [], 0.0
        key = list(node[i])
        for c, j in found:
            if j is not None and known[j]:
                const += values[j]
            elif j is not None:
                a, cst = reduce(j)
                atoms.append(a)
                const += cst
            else:
                key[k] = c
                atoms.append(child_atoms(key))
        memo[i] = (np.concatenate(atoms) if atoms else np.array([], dtype=np.int64), const)
        return memo[i]

    out = []
    for i in np.flatnonzero(known):
        atoms, const = reduce(int(i))
        if len(atoms):
            out.append((atoms, float(values[i]) - const))
    return out


@dataclass
class Block:
    atoms: np.ndarray                           # flat atom indices in this block
    y_eqs: list[tuple[np.ndarray, float]]       # numerator equations here
    z_eqs: list[tuple[np.ndarray, float]]       # denominator equations here


def _blocks(y_eqs, z_eqs, wanted_atoms: list[np.ndarray]) -> list[Block]:
    eqs = [(a, v, "y") for a, v in y_eqs] + [(a, v, "z") for a, v in z_eqs]
    pieces = [a for a, _, _ in eqs] + wanted_atoms
    all_atoms = np.unique(np.concatenate(pieces)) if pieces else np.array([], dtype=np.int64)
    n_eq, n_at = len(eqs), len(all_atoms)
    rows = np.concatenate([np.full(len(a), r) for r, (a, _, _) in enumerate(eqs)]) if eqs else np.array([], int)
    cols = np.searchsorted(all_atoms, np.concatenate([a for a, _, _ in eqs])) if eqs else np.array([], int)
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, n_eq + cols)), shape=(n_eq + n_at, n_eq + n_at))
    _, label = connected_components(graph, directed=False)
    atom_label = label[n_eq:]
    blocks: dict[int, Block] = {int(lab): Block(all_atoms[atom_label == lab], [], [])
                                for lab in np.unique(atom_label)}
    for r, (a, v, kind) in enumerate(eqs):
        b = blocks[int(label[r])]
        (b.y_eqs if kind == "y" else b.z_eqs).append((a, v))
    return list(blocks.values())


def intervals(model: TableModel, *, published: np.ndarray, numerator: np.ndarray, denominator: np.ndarray,
              denominator_known: np.ndarray, cells: np.ndarray,
              progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Attack intervals [low, high] of the numerator of each cell in `cells` (bool mask).

    published: cells whose numerator the attacker sees; denominator_known: cells whose denominator
    the attacker knows (all of them when denominators are public).
    """
    y_eqs = _equations(model, published & ~np.isnan(numerator), numerator)
    z_eqs = _equations(model, denominator_known & ~np.isnan(denominator), denominator)
    wanted = np.flatnonzero(cells)
    blocks = _blocks(y_eqs, z_eqs, [model.atoms(int(i)) for i in wanted])
    atom_block = {}
    for b_id, b in enumerate(blocks):
        for k, a in enumerate(b.atoms):
            atom_block[int(a)] = (b_id, k)
    low = np.zeros(len(model.cells))
    high = np.zeros(len(model.cells))
    per_block: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i in wanted:
        split: dict[int, list[int]] = {}
        for a in model.atoms(i):
            b_id, k = atom_block[int(a)]
            split.setdefault(b_id, []).append(k)
        for b_id, ks in split.items():
            per_block.setdefault(b_id, []).append((int(i), np.array(ks)))
    done = 0
    for b_id, jobs in per_block.items():
        lows, highs = _solve_block(blocks[b_id], [ks for _, ks in jobs])
        for (i, _), lo, hi in zip(jobs, lows, highs, strict=True):
            low[i] += lo
            high[i] += hi
        done += len(jobs)
        if progress:
            progress(done, sum(len(j) for j in per_block.values()))
    out = pd.DataFrame({"cell": wanted, "low": low[wanted], "high": high[wanted]})
    out["width"] = out["high"] - out["low"]
    out["pinned"] = out["width"] <= PINNED * np.maximum(1.0, np.abs(out["high"]))
    return out


def _equation_matrix(block: Block) -> tuple[sparse.csc_matrix, np.ndarray, np.ndarray]:
    """Equations of a block over [y (m), z (m)]: the sparse matrix and the values, y rows and z rows."""
    m = len(block.atoms)
    rows, cols, vals = [], [], []
    for r, (atoms, v) in enumerate(block.y_eqs):
        rows.append(np.full(len(atoms), r))
        cols.append(np.searchsorted(block.atoms, atoms))
        vals.append(v)
    off = len(block.y_eqs)
    for r, (atoms, v) in enumerate(block.z_eqs):
        rows.append(np.full(len(atoms), off + r))
        cols.append(m + np.searchsorted(block.atoms, atoms))
        vals.append(v)
    n_eq = off + len(block.z_eqs)
    rows = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    cols = np.concatenate(cols) if cols else np.array([], dtype=np.int64)
    a = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_eq, 2 * m))
    a.sum_duplicates()
    is_y = np.arange(n_eq) < off
    return a, np.array(vals, dtype=float), is_y


def _highs(a: sparse.spmatrix, row_lower, row_upper, col_lower, col_upper, cost) -> highspy.Highs:
    a = sparse.csc_matrix(a)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.asarray(col_lower, dtype=float), np.asarray(col_upper, dtype=float)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, dtype=float), np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = a.shape[1], a.shape[0]
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("simplex_strategy", 4)   # primal simplex: a new objective keeps the basis feasible
    h.passModel(lp)
    return h


def _solve_block(block: Block, objectives: list[np.ndarray]) -> tuple[list[float], list[float]]:
    m = len(block.atoms)
    if m == 1:  # one inner cell: fixed by its own numerator, else between 0 and its denominator
        if block.y_eqs:
            v = block.y_eqs[0][1]
            return [v] * len(objectives), [v] * len(objectives)
        hi = block.z_eqs[0][1] if block.z_eqs else np.inf
        return [0.0] * len(objectives), [hi] * len(objectives)
    eq, b, _ = _equation_matrix(block)
    inf = highspy.kHighsInf
    # rows: the equations, then y_k - z_k <= 0 for every atom
    a = sparse.vstack([eq, sparse.hstack([sparse.identity(m), -sparse.identity(m)])])
    h = _highs(a, np.concatenate([b, np.full(m, -inf)]), np.concatenate([b, np.zeros(m)]),
               np.zeros(2 * m), np.full(2 * m, inf), np.zeros(2 * m))
    every = np.arange(m, dtype=np.int32)
    lows, highs = [], []
    for ks in objectives:
        cost = np.zeros(m)
        cost[ks] = 1.0
        h.changeColsCost(m, every, cost)
        found = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                found.append(h.getInfo().objective_function_value)
            elif status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible) \
                    and sense == highspy.ObjSense.kMaximize:
                found.append(np.inf)
            else:
                raise RuntimeError(f"attack LP failed: {status}")
        lows.append(found[0])
        highs.append(found[1])
    return lows, highs


BATCH_ATOMS = 400


def _implicit_batch(blocks: list[Block]) -> tuple[set[int], set[int]]:
    inf = highspy.kHighsInf
    union = Block(np.concatenate([b.atoms for b in blocks]), [e for b in blocks for e in b.y_eqs],
                  [e for b in blocks for e in b.z_eqs])
    union.atoms = np.sort(union.atoms)
    m = len(union.atoms)
    eq, b, _is_y = _equation_matrix(union)
    k = eq.shape[0]
    eye = sparse.identity(m, format="csc")
    nil = sparse.csc_matrix((m, m))
    # columns: y (m), z (m), t (m), s (m), lambda
    rows = [
        sparse.hstack([eq, sparse.csc_matrix((k, 2 * m)), sparse.csc_matrix(-b.reshape(-1, 1))]),
        sparse.hstack([eye, -eye, nil, nil, sparse.csc_matrix((m, 1))]),      # y - z <= 0
        sparse.hstack([-eye, nil, eye, nil, sparse.csc_matrix((m, 1))]),      # t - y <= 0
        sparse.hstack([eye, -eye, nil, eye, sparse.csc_matrix((m, 1))]),      # s - (z - y) <= 0
    ]
    h = _highs(sparse.vstack(rows), np.concatenate([np.zeros(k), np.full(3 * m, -inf)]),
               np.zeros(k + 3 * m), np.concatenate([np.zeros(4 * m), [1.0]]),
               np.concatenate([np.full(2 * m, inf), np.ones(2 * m), [inf]]),
               np.concatenate([np.zeros(2 * m), -np.ones(2 * m), [0.0]]))
    h.setOptionValue("simplex_strategy", 1)    # one solve from scratch: the dual simplex
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"implicit-equality LP failed: {h.getModelStatus()}")
    sol = np.asarray(h.getSolution().col_value)
    return ({int(a) for a in union.atoms[sol[2 * m:3 * m] < 0.5]},
            {int(a) for a in union.atoms[sol[3 * m:4 * m] < 0.5]})


@dataclass
class Implicit:
    zero: set[int]            # inner cells whose numerator is 0 in every solution
    full: set[int]            # inner cells whose numerator equals their denominator in every solution
    exposed: np.ndarray       # cells (of those asked about) sharing a block with a `full` inner cell


def implicit_equalities(model: TableModel, *, published: np.ndarray, numerator: np.ndarray,
                        denominator: np.ndarray, denominator_known: np.ndarray, cells: np.ndarray,
                        everywhere: bool = False) -> Implicit:
    """The inequalities that hold with equality for every solution (one LP per block of `cells`, or of
    every block with `everywhere`).

    For the polyhedron {0 <= y <= z, published sums of y, known sums of z}, an inner cell has y = 0
    (or y = z) in every point exactly when it does in every point of the homogenised cone (the sums
    multiplied by lambda >= 1); maximising the sum of t <= min(y, 1) and s <= min(z - y, 1) over the
    cone finds all the others at once. These implicit equalities and the equations span the affine
    hull of the polyhedron, so a cell whose numerator is not a linear combination of them (which the
    Gaussian elimination guarantees once the zeros are entered as known) has an interval of positive
    width: the linear-algebra result then carries over to the non-negative counts.
    """
    y_eqs = _equations(model, published & ~np.isnan(numerator), numerator)
    z_eqs = _equations(model, denominator_known & ~np.isnan(denominator), denominator)
    wanted_cells = np.flatnonzero(cells)
    cell_atoms = [model.atoms(int(i)) for i in wanted_cells]
    blocks = _blocks(y_eqs, z_eqs, cell_atoms)
    wanted = None if everywhere else {int(a) for atoms in cell_atoms for a in atoms}
    zero, full = set(), set()
    block_of: dict[int, int] = {}
    big: list[Block] = []
    for b_id, block in enumerate(blocks):
        atoms = block.atoms.tolist()
        if wanted is not None and not wanted.intersection(atoms):
            continue
        for a in atoms:
            block_of[a] = b_id
        if len(atoms) == 1:   # one inner cell: its own figures say it all
            y = block.y_eqs[0][1] if block.y_eqs else None
            z = block.z_eqs[0][1] if block.z_eqs else None
            if y == 0 or z == 0:
                zero.add(atoms[0])
            elif y is not None and y == z:
                full.add(atoms[0])
        else:
            big.append(block)
    # the blocks are solved in batches (block-diagonal LPs of moderate size; one shared lambda per batch
    # is enough, since a sum of cone points is a cone point): fewer solver calls, each still quick
    batch: list[Block] = []
    for block in [*big, None]:
        if block is not None:
            batch.append(block)
            if sum(len(b.atoms) for b in batch) < BATCH_ATOMS:
                continue
        if not batch:
            continue
        z_new, f_new = _implicit_batch(batch)
        zero |= z_new
        full |= f_new
        batch = []
    full_blocks = {block_of[a] for a in full if a in block_of}
    exposed = np.zeros(len(model.cells), dtype=bool)
    for i, atoms in zip(wanted_cells, cell_atoms, strict=True):
        if any(block_of.get(int(a)) in full_blocks for a in atoms):
            exposed[i] = True
    return Implicit(zero, full, exposed)
