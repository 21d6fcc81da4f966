"""Named columns computed once: each in the lowest SELECT above the columns it reads.

A rule's query is a stack of SELECTs over the claims table. Every value the
compiler names (a leaf's truth, the list of per-item states, a count over that
list, the eligibility) is given to ``let``, which hands back a reference; what
reads the value reads the reference instead of repeating the expression. When
the query is built, each named value becomes one column, in the first layer
where everything it reads already exists; the outermost SELECT computes the
last layer's columns itself (every layer costs the engine time to plan). Each
layer passes the table's own columns on (``SELECT *``), so an expression that
reads facts (the missing facts, built only for the rows that need them) can sit
in any layer.

Inside the stack a column named ``x`` is called ``_x``, so that no name the
compiler makes meets a column of the user's table (``key``, ``amount``, ...);
the outermost SELECT gives the public names back.
"""

from __future__ import annotations

from typing import Dict, List, Sequence

from sqlglot import exp

from .dialects import Dialect, ident


def _inner(name: str) -> str:
    return "_" + name


class Layers:
    def __init__(self, dialect: Dialect, alias: str) -> None:
        self.d = dialect
        self.alias = alias
        self.values: Dict[str, exp.Expression] = {}  # inner name -> expression, in the order given
        self.serial = 0

    def fresh(self, stem: str) -> str:
        """A name not used before (for the compiler's own intermediate columns)."""
        self.serial += 1
        return f"{stem}{self.serial}"

    def ref(self, name: str) -> exp.Expression:
        return exp.column(_inner(name), quoted=True)

    def let(self, name: str, value: exp.Expression) -> exp.Expression:
        """Name ``value`` (computed once); returns a reference to it."""
        inner = _inner(name)
        if inner in self.values:
            raise ValueError(f"column {name} computed twice")
        self.values[inner] = value
        return self.ref(name)

    def query(self, table: exp.Expression, outputs: Sequence[str], carry: Sequence[str] = ()) -> exp.Select:
        """The stacked SELECTs over ``table``, ending in the public names ``outputs``, then the
        table's own columns ``carry`` (every layer hands them on)."""
        level: Dict[str, int] = {}
        stack: List[List[exp.Expression]] = []
        for inner, value in self.values.items():
            depth = 0
            for column in value.find_all(exp.Column):
                if not column.table and column.name in level:
                    depth = max(depth, level[column.name] + 1)
            while len(stack) <= depth:
                stack.append([])
            stack[depth].append(exp.alias_(value, inner, quoted=True, copy=False))
            level[inner] = depth
        # the last layer's columns are all outputs: the outermost SELECT computes them itself
        last = len(stack) - 1
        source = table
        for columns in stack[:last]:
            layer = exp.select(exp.Star(), *columns, copy=False).from_(source, copy=False)
            source = exp.Subquery(this=self.d.fence(layer), alias=exp.TableAlias(this=ident(self.alias)))
        picked = []
        for name in outputs:
            inner = _inner(name)
            if level.get(inner) == last:
                picked.append(exp.alias_(self.values[inner], name, quoted=True, copy=False))
            else:
                picked.append(exp.alias_(exp.column(inner, quoted=True), name, quoted=True, copy=False))
        picked += [exp.alias_(exp.Column(this=ident(name), table=ident(self.alias)), name, quoted=True, copy=False)
                   for name in carry]
        return exp.select(*picked, copy=False).from_(source, copy=False)
