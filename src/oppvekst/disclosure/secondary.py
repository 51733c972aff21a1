"""Secondary suppression by Gaussian elimination over the whole table (after SSB's GaussSuppression).

The method (Langsrud, "Secondary cell suppression by Gaussian elimination", SSB; R packages SSBtools
and GaussSuppression): cells to publish are taken one at a time, largest first, and used to reduce the
model matrix by Gaussian elimination. A candidate that would completely eliminate a primary suppressed
cell (make it a linear combination of what is published) is not published but secondary suppressed.
So no suppressed cell is a linear combination of published cells, across all relations at once
(geography, sex, age, overlapping periods), not pair by pair.

There is no Python implementation of it, so this module is our own (the elimination is written for
sparse vectors in plain Python; it is exact up to a small tolerance on small integer coefficients).

Two refinements keep the elimination fast and safe:
- Change of basis per dimension. Every cell is a Kronecker product of one node per dimension. In each
  dimension the nodes are re-expressed in a basis made of the nodes themselves, largest first, so
  that totals become unit vectors; a cell's vector is then very sparse and elimination creates little
  fill. Derivability does not depend on the basis.
- Zeros. A published cell with numerator 0 tells that every inner cell under it is 0 (counts are never
  negative), which linear algebra alone does not see. Those inner cells are entered as known before
  anything else, so a hidden cell cannot be worked out through them (SSB's "problem of zeros").
  Zero cells are never chosen for secondary suppression (GaussSuppression's secondaryZeros = FALSE).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from oppvekst.disclosure.model import Dimension, TableModel

TOL = 1e-9


def _basis(dim: Dimension, weight: np.ndarray) -> tuple[list[list[tuple[int, float]]], list[list[tuple[int, float]]]]:
    """Coordinates of every node and every atom in a basis chosen among the nodes, heaviest first.

    Returns (node_coords, atom_coords): for each, a list of (basis index, coefficient).
    """
    member = dim.member.astype(np.float64)
    n_atoms = member.shape[1]
    order = sorted(range(len(dim.nodes)), key=lambda i: (-weight[i], member[i].sum(), dim.nodes[i]))
    chosen: list[np.ndarray] = []
    q = np.zeros((0, n_atoms))
    for cand in itertools.chain((member[i] for i in order), np.eye(n_atoms)):
        if len(chosen) == n_atoms:
            break
        r = cand - q.T @ (q @ cand)
        r = r - q.T @ (q @ r)  # second pass keeps Gram-Schmidt orthogonal in floating point
        norm = np.linalg.norm(r)
        if norm > 1e-8 * max(1.0, np.linalg.norm(cand)):
            chosen.append(cand)
            q = np.vstack([q, r / norm])
    basis = np.array(chosen)               # rows: basis vectors in atom space
    inv = np.linalg.inv(basis)             # x = c @ basis  =>  c = x @ inv

    def sparse_rows(mat: np.ndarray) -> list[list[tuple[int, float]]]:
        out = []
        for row in mat:
            rounded = np.where(np.abs(row - np.round(row)) < 1e-7, np.round(row), row)
            nz = np.flatnonzero(np.abs(rounded) > 1e-9)
            out.append([(int(j), float(rounded[j])) for j in nz])
        return out
    return sparse_rows(member @ inv), sparse_rows(inv)


def _kron(parts: list[list[tuple[int, float]]], strides: np.ndarray) -> dict[int, float]:
    items = [(0, 1.0)]
    for part, stride in zip(parts, strides.tolist(), strict=True):
        if len(part) == 1:
            j, v = part[0]
            off = j * stride
            items = [(i + off, w) for i, w in items] if v == 1.0 else [(i + off, w * v) for i, w in items]
        else:
            items = [(i + j * stride, w * v) for i, w in items for j, v in part]
    return dict(items)


@dataclass
class Eliminator:
    """Right-looking sparse Gaussian elimination over columns, with named targets to protect."""
    cols: dict[int, dict[int, float]] = field(default_factory=dict)
    rows: dict[int, set[int]] = field(default_factory=dict)
    targets: set[int] = field(default_factory=set)

    def add(self, key: int, vec: dict[int, float], *, target: bool = False) -> None:
        self.cols[key] = vec
        for r in vec:
            self.rows.setdefault(r, set()).add(key)
        if target:
            self.targets.add(key)

    def _drop(self, key: int) -> dict[int, float]:
        vec = self.cols.pop(key)
        for r in vec:
            self.rows[r].discard(key)
        return vec

    def step(self, key: int, *, forced: bool = False) -> tuple[str, list[int]]:
        """Publish column `key` unless it would reveal a target.

        Returns ("free", []) when it is already determined by what is published, ("published", [])
        when it adds information safely, ("suppressed", [targets it would reveal]) otherwise; a
        forced column is always entered and returns the targets it revealed (normally none).
        """
        vec = self._drop(key)
        if not vec:
            return "free", []
        # pivot: the row shared with the fewest other columns (least fill), then the largest entry
        pivot = min(vec, key=lambda r: (len(self.rows[r]), -abs(vec[r])))
        pv = vec[pivot]
        revealed = []
        for t in self.rows[pivot] & self.targets:
            tv = self.cols[t]
            if len(tv) != len(vec):
                continue
            a = tv[pivot] / pv
            if all(abs(tv.get(r, 0.0) - a * v) <= TOL * max(1.0, abs(v)) for r, v in vec.items()):
                revealed.append(t)
        if revealed and not forced:
            return "suppressed", revealed
        for k in list(self.rows[pivot]):
            kv = self.cols[k]
            f = kv[pivot] / pv
            for r, v in vec.items():
                nv = kv.get(r, 0.0) - f * v
                if abs(nv) <= TOL:
                    if r in kv:
                        del kv[r]
                        self.rows[r].discard(k)
                else:
                    if r not in kv:
                        self.rows.setdefault(r, set()).add(k)
                    kv[r] = nv
            kv.pop(pivot, None)
            self.rows[pivot].discard(k)
        for t in revealed:  # forced: these targets are now determined
            self.targets.discard(t)
        return "published", revealed


@dataclass
class SecondaryResult:
    suppressed: np.ndarray       # bool per cell: secondary suppressed by this run
    exposed: np.ndarray          # bool per cell: a target that known zeros alone determine (cannot be protected)
    free: int = 0                # candidates published at no cost (already determined)
    pivots: int = 0


def secondary(model: TableModel, *, targets: np.ndarray, candidates: np.ndarray, priority: np.ndarray,
              known_zero_atoms: Iterable[int] = (), forced: np.ndarray | None = None,
              progress: Callable[[int, int], None] | None = None) -> SecondaryResult:
    """Secondary suppression over the model.

    targets: cells whose numerator must not be derivable (primary suppressed, and any virtual cells).
    candidates: cells that may be published (everything else is hidden and needs no protection).
    priority: larger is published first (so smaller cells are the ones suppressed).
    known_zero_atoms: inner cells known to be 0 (under a published zero).
    forced: candidates that must be published whatever happens (their atoms are then also known).
    """
    n = len(model.cells)
    forced = np.zeros(n, dtype=bool) if forced is None else forced
    weights = _dim_weights(model, priority)
    coords = [_basis(d, w) for d, w in zip(model.dims, weights, strict=True)]
    strides = model.strides

    def cell_vec(i: int) -> dict[int, float]:
        return _kron([coords[k][0][model.node[i, k]] for k in range(len(model.dims))], strides)

    def atom_vec(flat: int) -> dict[int, float]:
        idx = np.unravel_index(flat, model.shape)
        return _kron([coords[k][1][idx[k]] for k in range(len(model.dims))], strides)

    el = Eliminator()
    for i in np.flatnonzero(targets):
        el.add(int(i), cell_vec(int(i)), target=True)
    order = [int(i) for i in np.flatnonzero(candidates & ~targets)]
    order.sort(key=lambda i: (not forced[i], -priority[i], i))
    for i in order:
        el.add(i, cell_vec(i))
    zero_keys = []
    for k, flat in enumerate(sorted({int(a) for a in known_zero_atoms})):
        key = n + k
        el.add(key, atom_vec(flat))
        zero_keys.append(key)
    result = SecondaryResult(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    for key in zero_keys:
        status, revealed = el.step(key, forced=True)
        result.exposed[revealed] = True
    total = len(order)
    for done, i in enumerate(order):
        status, _ = el.step(i, forced=bool(forced[i]))
        if status == "suppressed":
            result.suppressed[i] = True
        elif status == "free":
            result.free += 1
        else:
            result.pivots += 1
        if progress and done % 2000 == 0:
            progress(done, total)
    return result


def _dim_weights(model: TableModel, priority: np.ndarray) -> list[np.ndarray]:
    """Per dimension, the total priority of the cells on each node (heavier nodes become basis vectors)."""
    out = []
    for k, d in enumerate(model.dims):
        w = np.zeros(len(d.nodes))
        np.add.at(w, model.node[:, k], np.nan_to_num(priority, nan=0.0))
        out.append(w)
    return out


def pairwise(model: TableModel, *, targets: np.ndarray, candidates: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """The common heuristic ("naboprikking"), for comparison only: in every relation (a total and its
    parts in one dimension) with exactly one hidden cell, hide the smallest published one as well,
    until no relation has exactly one. It protects pairs of cells, not the table: see the tests for a
    table where a cell it hides can still be worked out.
    """
    lookup = model.lookup()
    hidden = targets | ~candidates
    relations = []
    for i in range(len(model.cells)):
        for k, dim in enumerate(model.dims):
            parts = dim.partitions.get(int(model.node[i, k]))
            if not parts:
                continue
            key = list(model.node[i])
            members = [i]
            for c in parts:
                key[k] = c
                j = lookup.get(tuple(key))
                if j is None:
                    members = []
                    break
                members.append(j)
            if members:
                relations.append(members)
    suppressed = np.zeros(len(model.cells), dtype=bool)
    changed = True
    while changed:
        changed = False
        for members in relations:
            hid = [j for j in members if hidden[j] or suppressed[j]]
            if len(hid) == 1:
                shown = [j for j in members if not (hidden[j] or suppressed[j]) and candidates[j]]
                if shown:
                    pick = min(shown, key=lambda j: (priority[j], j))
                    suppressed[pick] = True
                    changed = True
    return suppressed
