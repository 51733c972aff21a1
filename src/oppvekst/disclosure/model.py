"""The linear model of a table: every cell is the sum of inner cells ("atoms").

A table of observations (one indicator) has dimensions region, period, sex, age, background and ses.
Each dimension value (a *node*) covers a set of atoms of that dimension: a region covers the regions
below it, a 3-year period covers its three years, an age band the elementary age intervals inside it,
"all" every category. A cell covers the product of its nodes' atom sets, so its numerator (and
denominator) is the sum of those inner cells. Secondary suppression and the attack check work on
this model.

Relations are taken from the codes and then checked against the figures, so that the model never
claims a relation the data contradict:
- a node whose figure exceeds the sum of its parts gets a remainder atom (people with an unknown
  city district, say) unless the sums agree everywhere;
- a node whose figure is below the sum of its parts, or differs from an exact partition, is
  *detached*: it is modelled as unrelated to its parts (the relation does not hold, so an attacker
  cannot use it exactly either).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from oppvekst.observations import TOTAL

DIMS = ("region", "period", "sex", "age", "background", "ses")
# One column may hold several cross-classifications, each with its own total: ses holds both parents'
# education and household income quintile. Each family becomes a dimension of its own, so that
# "all" = sum of education groups = sum of income quintiles, and persons are cross-classified.
FAMILIES = {"ses": ("parents_edu_", "income_")}
_AGE = re.compile(r"^\s*(\d+)\s*(?:(-|–)\s*(\d+)|(\+))?\s*(?:år)?\s*$")


@dataclass
class Dimension:
    name: str
    nodes: list[str]                       # the codes found in the table
    atoms: list[str]                       # labels of the inner categories
    member: np.ndarray                     # bool (len(nodes), len(atoms)): node covers atom
    detached: set[str] = field(default_factory=set)
    remainders: set[str] = field(default_factory=set)  # atoms that stand for "the rest of a node"

    @cached_property
    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.nodes)}

    @cached_property
    def atom_sets(self) -> list[np.ndarray]:
        return [np.flatnonzero(row) for row in self.member]

    @cached_property
    def twins(self) -> dict[int, list[int]]:
        """node -> every node with exactly the same atoms (itself included)."""
        keys: dict[bytes, list[int]] = {}
        for i, row in enumerate(self.member):
            keys.setdefault(np.packbits(row).tobytes(), []).append(i)
        return {i: group for group in keys.values() for i in group}

    @cached_property
    def partitions(self) -> dict[int, list[int]]:
        """node -> its children when they partition it exactly (no remainder): node = sum of children."""
        out: dict[int, list[int]] = {}
        maximal = _maximal_inside(self.member)
        for i in range(len(self.nodes)):
            parts = list(np.flatnonzero(maximal[:, i]))
            if len(parts) < 2:
                continue
            cover = self.member[parts].sum(axis=0)
            if (cover <= 1).all() and (cover == self.member[i]).all():
                out[i] = parts
        return out


def _maximal_inside(member: np.ndarray) -> np.ndarray:
    """M[j, i]: node j lies strictly inside node i and inside no other node that lies inside i.

    Nodes with the same atoms (Oslo county and Oslo municipality) count once: only the first of
    them can be a part (see Dimension.twins).
    """
    a = member.astype(np.float64)
    outside = a @ (1.0 - a).T                       # [j, i] atoms of j outside i
    size = a.sum(axis=1)
    same = (outside == 0) & (outside.T == 0)
    first = ~np.tril(same, k=-1).any(axis=1)        # no earlier node with the same atoms
    strict = (outside == 0) & (size[:, None] < size[None, :]) & first[:, None]
    s = strict.astype(np.float64)
    between = s @ s                                  # [j, i] nodes k with j inside k inside i
    return strict & (between == 0)


def _age_interval(code: str) -> tuple[float, float] | None:
    if code == TOTAL:
        return (-math.inf, math.inf)
    m = _AGE.match(code)
    if not m:
        return None
    lo = float(m.group(1))
    if m.group(4):
        return (lo, math.inf)
    return (lo, float(m.group(3)) if m.group(3) else lo)


def _period_key(df: pd.DataFrame) -> pd.Series:
    return df["period_from"].astype(int).astype(str) + "-" + df["period_to"].astype(int).astype(str)


def _interval_dimension(name: str, spans: dict[str, tuple[float, float]]) -> Dimension:
    """Atoms are the elementary intervals between all the nodes' boundaries (integer units)."""
    nodes = list(spans)
    cuts = sorted({lo for lo, _ in spans.values()} | {hi + 1 for _, hi in spans.values()})
    finite = [c for c in cuts if math.isfinite(c)]
    edges = [-math.inf, *finite, math.inf]
    pieces = [(a, b - 1) for a, b in itertools.pairwise(edges)]
    member = np.array([[spans[n][0] <= a and b <= spans[n][1] for a, b in pieces] for n in nodes], dtype=bool)
    used = member.any(axis=0)
    pieces = [p for p, u in zip(pieces, used, strict=True) if u]
    member = member[:, used]

    def label(a: float, b: float) -> str:
        if a == b:
            return str(int(a))
        if math.isinf(a) and math.isinf(b):
            return TOTAL
        lo = "" if math.isinf(a) else str(int(a))
        hi = "" if math.isinf(b) else str(int(b))
        return f"{lo}-{hi}"
    return Dimension(name, nodes, [label(a, b) for a, b in pieces], member)


def _tree_dimension(name: str, nodes: list[str], parent: dict[str, str | None]) -> Dimension:
    """A hierarchy: leaves are atoms, and every inner node gets a remainder atom (dropped later if empty)."""
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for n in nodes:
        if parent.get(n) is not None:
            children[parent[n]].append(n)
    atoms: list[str] = []
    own: dict[str, int] = {}
    for n in nodes:
        own[n] = len(atoms)
        atoms.append(n if not children[n] else f"{n}\\rest")
    member = np.zeros((len(nodes), len(atoms)), dtype=bool)
    index = {n: i for i, n in enumerate(nodes)}

    def cover(n: str) -> None:
        i = index[n]
        member[i, own[n]] = True
        for c in children[n]:
            cover(c)
            member[i] |= member[index[c]]
    for n in nodes:
        if parent.get(n) is None:
            cover(n)
    remainders = {atoms[own[n]] for n in nodes if children[n]}
    return Dimension(name, nodes, atoms, member, remainders=remainders)


def _region_parents(codes: list[str]) -> dict[str, str | None]:
    """Nearest ancestor present in the table: the 2024 hierarchy first, then the code's prefix."""
    from oppvekst import regions

    known = regions.regions_2024().set_index("code")["parent"].to_dict()
    present = set(codes)

    def up(code: str) -> str | None:
        p = known.get(code)
        if isinstance(p, str) and p:
            return p
        if code == "0":
            return None
        if len(code) == 8:
            return code[:6] if code[:6] in present or code[:6] in known else code[:4]
        if len(code) == 6:
            return code[:4]
        if len(code) == 4:
            return code[:2]
        if len(code) == 2:
            return "0"
        return None

    out: dict[str, str | None] = {}
    for code in codes:
        p = up(code)
        seen = 0
        while p is not None and p not in present and seen < 10:
            p, seen = up(p), seen + 1
        out[code] = p if p in present else None
    return out


def _check_relations(dim: Dimension, table: pd.DataFrame, key: str, keys: list[str]) -> Dimension:
    """Drop remainder atoms the figures show to be empty; detach nodes the figures contradict."""
    others = [d for d in keys if d != key]
    values = table[others + [key, "numerator", "denominator", "value"]].copy()
    # a mean has no numerator: its sums (mean × count) add up instead, to within rounding
    mean_like = bool(values["numerator"].isna().all() and values["value"].notna().any())
    if mean_like:
        values["numerator"] = values["value"] * values["denominator"]
    values = values.drop(columns="value").dropna(subset=["numerator", "denominator"])
    maximal_inside = _maximal_inside(dim.member)
    pairs, spare = [], {}
    for i, node in enumerate(dim.nodes):
        maximal = list(np.flatnonzero(maximal_inside[:, i]))
        if not maximal:
            continue
        cover = dim.member[maximal].sum(axis=0)
        if (cover > 1).any():
            continue  # overlapping parts (e.g. 3-year windows inside a longer one): no simple relation
        spare[node] = np.flatnonzero(dim.member[i] & (cover == 0))
        pairs += [(node, dim.nodes[j]) for j in maximal]
    if not pairs:
        return dim
    links = pd.DataFrame(pairs, columns=["parent", key])
    n_parts = links.groupby("parent").size().rename("n_parts").reset_index()
    parts = values.merge(links, on=key).groupby(["parent", *others], dropna=False).agg(
        n=("numerator", "sum"), d=("denominator", "sum"), k=("numerator", "size")).reset_index()
    parts = parts.merge(n_parts, on="parent")
    parts = parts[parts["k"] == parts["n_parts"]]
    whole = values.rename(columns={key: "parent"})
    both = parts.merge(whole, on=["parent", *others])
    both["dn"] = both["numerator"] - both["n"]
    both["dd"] = both["denominator"] - both["d"]
    tol, tol_n = 1e-9, (1e-9 * both["numerator"].abs().clip(lower=1) if mean_like else 1e-9)
    flags = pd.DataFrame({"parent": both["parent"], "neg": both["dn"] < -tol_n, "negd": both["dd"] < -tol,
                          "pos": both["dn"] > tol_n, "posd": both["dd"] > tol})
    stats = flags.groupby("parent")[["neg", "negd", "pos", "posd"]].any()
    drop_atoms: set[int] = set()
    member = dim.member.copy()
    atoms = list(dim.atoms)
    for node, row in stats.iterrows():
        i = dim.index[node]
        negative = bool(row["neg"] or row["negd"])
        positive = bool(row["pos"] or row["posd"])
        rest = spare.get(node, np.array([], dtype=int))
        if negative or (positive and len(rest) == 0):
            dim.detached.add(node)
        elif not positive and len(rest):
            # the rest of this node is empty: drop those atoms where only this node and its supersets cover them
            for a in rest:
                holders = np.flatnonzero(member[:, a])
                if all(not (member[i] & ~member[h]).any() for h in holders):
                    drop_atoms.add(int(a))
    # a node never checked (its parts never all present) keeps its remainder atom only if it is a
    # hierarchy remainder with no evidence either way: conservative is to assume it empty (more
    # relations make more cells derivable, never fewer)
    checked = set(stats.index)
    for node, rest in spare.items():
        if node in checked:
            continue
        i = dim.index[node]
        for a in rest:
            if atoms[a] in dim.remainders:
                holders = np.flatnonzero(member[:, a])
                if all(not (member[i] & ~member[h]).any() for h in holders):
                    drop_atoms.add(int(a))
    # detached nodes get a private atom of their own
    extra = []
    for node in sorted(dim.detached):
        extra.append(f"{node}\\own")
    if drop_atoms or extra:
        keep = [a for a in range(len(atoms)) if a not in drop_atoms]
        member = member[:, keep]
        atoms = [atoms[a] for a in keep]
        if extra:
            add = np.zeros((len(dim.nodes), len(extra)), dtype=bool)
            for k, node in enumerate(sorted(dim.detached)):
                i = dim.index[node]
                member[i, :] = False
                add[i, k] = True
            member = np.hstack([member, add])
            atoms += extra
        used = member.any(axis=0)       # e.g. the remainder of a node that was detached
        member, atoms = member[:, used], [a for a, u in zip(atoms, used, strict=True) if u]
        empty = ~member.any(axis=1)
        if empty.any():
            raise ValueError(f"{dim.name}: nodes {[dim.nodes[i] for i in np.flatnonzero(empty)]} cover no atom")
    return Dimension(dim.name, dim.nodes, atoms, member, set(dim.detached),
                     {a for a in dim.remainders if a in atoms})


def _dimension(table: pd.DataFrame, key: str, keys: list[str], pooled_periods: bool) -> Dimension:
    codes = list(pd.unique(table[key]))
    if key == "region":
        dim = _tree_dimension(key, codes, _region_parents(codes))
    elif key == "period" and not pooled_periods:
        # periods are labels (a cohort, a persistent status over 3 years), not sums of years
        dim = _tree_dimension(key, codes, {c: None for c in codes})
    elif key in ("period", "age"):
        spans = ({c: tuple(float(x) for x in c.split("-")) for c in codes} if key == "period"
                 else {c: _age_interval(c) for c in codes})
        if all(v is not None for v in spans.values()):
            dim = _interval_dimension(key, spans)
        else:  # age codes we cannot read as intervals: categories under "all"
            dim = _tree_dimension(key, codes, {c: (TOTAL if c != TOTAL and TOTAL in codes else None) for c in codes})
    else:
        dim = _tree_dimension(key, codes, {c: (TOTAL if c != TOTAL and TOTAL in codes else None) for c in codes})
    return _check_relations(dim, table, key, keys)


def _split_families(cells: pd.DataFrame) -> list[str]:
    """Replace a column holding several classifications by one column per classification."""
    keys = []
    for col in DIMS:
        prefixes = FAMILIES.get(col)
        codes = set(cells[col])
        if not prefixes or not any(c.startswith(p) for c in codes for p in prefixes):
            keys.append(col)
            continue
        groups = {p: [c for c in codes if c.startswith(p)] for p in prefixes}
        rest = [c for c in codes if c != TOTAL and not any(c.startswith(p) for p in prefixes)]
        if rest:
            groups[""] = rest
        for p, members in groups.items():
            if not members:
                continue
            name = f"{col}:{p.rstrip('_') or 'other'}"
            cells[name] = np.where(cells[col].isin(members), cells[col], TOTAL)
            keys.append(name)
    return keys


@dataclass
class TableModel:
    """A table (one indicator) and its linear model; row i of `cells` is cell i."""
    cells: pd.DataFrame
    dims: list[Dimension]
    node: np.ndarray            # (n_cells, n_dims) node index of each cell per dimension

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d.atoms) for d in self.dims)

    @cached_property
    def strides(self) -> np.ndarray:
        shape = self.shape
        out = np.ones(len(shape), dtype=np.int64)
        for k in range(len(shape) - 2, -1, -1):
            out[k] = out[k + 1] * shape[k + 1]
        return out

    @property
    def n_atoms(self) -> int:
        return int(np.prod(self.shape))

    @cached_property
    def _atoms(self) -> dict[int, np.ndarray]:
        return {}

    def atoms(self, i: int) -> np.ndarray:
        """Flat indices of the atoms cell i covers (computed once per cell)."""
        hit = self._atoms.get(i)
        if hit is not None:
            return hit
        strides = self.strides
        row = self.node[i]
        flat = None
        for k, d in enumerate(self.dims):
            part = d.atom_sets[row[k]] * strides[k]
            flat = part if flat is None else (flat[:, None] + part[None, :]).ravel()
        self._atoms[i] = flat
        return flat

    def atom_label(self, flat: int) -> tuple[str, ...]:
        idx = np.unravel_index(flat, self.shape)
        return tuple(d.atoms[j] for d, j in zip(self.dims, idx, strict=True))

    def lookup(self) -> dict[tuple[int, ...], int]:
        return {tuple(r): i for i, r in enumerate(self.node.tolist())}

    def matrix(self):
        """The model matrix X (atoms × cells), scipy CSC: cell values = X.T @ atom values."""
        from scipy import sparse

        cols = [self.atoms(i) for i in range(len(self.cells))]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        rows = np.concatenate(cols) if cols else np.array([], dtype=np.int64)
        return sparse.csc_matrix((np.ones(len(rows)), rows, indptr), shape=(self.n_atoms, len(cols)))


def build(table: pd.DataFrame, *, pooled_periods: bool = False) -> TableModel:
    """The model of one indicator's observations (rows in the observation layout).

    pooled_periods: a multi-year period is the sum of its years (pooled counts, as in a 3-year
    average); otherwise every period stands alone.
    """
    if table["indicator"].nunique() > 1:
        raise ValueError("build the model one indicator at a time")
    cells = table.reset_index(drop=True).copy()
    cells["period"] = _period_key(cells)
    for col in ("region", "sex", "age", "background", "ses"):
        cells[col] = cells[col].astype(str)
    keys = _split_families(cells)
    dims = [_dimension(cells, key, keys, pooled_periods) for key in keys]
    node = np.column_stack([cells[d.name].map(d.index).to_numpy() for d in dims]).astype(np.int64)
    return TableModel(cells, dims, node)
