"""Named columns computed once: each in the lowest SELECT above the columns it reads.

A rule's query is a stack of SELECTs over the claims table. Every value the
compiler names (a leaf's truth, the list of per-item states, a count over that
list, the eligibility) becomes one column, placed by ``let`` in the first layer
where everything it reads already exists; what reads it later refers to the
column instead of repeating the expression. Each layer passes the table's own
columns on (``SELECT *``), so an expression that reads facts (the missing facts,
built only for the rows that need them) can sit in any layer.

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
        self.stack: List[List[exp.Expression]] = []
        self.level: Dict[str, int] = {}
        self.serial = 0

    def fresh(self, stem: str) -> str:
        """A name not used before (for the compiler's own intermediate columns)."""
        self.serial += 1
        return f"{stem}{self.serial}"

    def ref(self, name: str) -> exp.Expression:
        return exp.column(_inner(name), quoted=True)

    def has(self, name: str) -> bool:
        return _inner(name) in self.level

    def let(self, name: str, value: exp.Expression) -> exp.Expression:
        """Compute ``value`` once as column ``name``; returns a reference to it."""
        inner = _inner(name)
        if inner in self.level:
            raise ValueError(f"column {name} computed twice")
        level = 0
        for column in value.find_all(exp.Column):
            if column.table:
                continue  # a column of the claims table (every layer passes them on)
            found = self.level.get(column.name)
            if found is not None and found + 1 > level:
                level = found + 1
        while len(self.stack) <= level:
            self.stack.append([])
        self.stack[level].append(exp.alias_(value, inner, quoted=True, copy=False))
        self.level[inner] = level
        return self.ref(name)

    def query(self, table: exp.Expression, outputs: Sequence[str]) -> exp.Select:
        """The stacked SELECTs over ``table``, ending in the public names ``outputs``."""
        source = table
        for columns in self.stack:
            layer = exp.select(exp.Star(), *columns, copy=False).from_(source, copy=False)
            source = exp.Subquery(this=self.d.fence(layer), alias=exp.TableAlias(this=ident(self.alias)))
        picked = [exp.alias_(self.ref(name), name, quoted=True, copy=False) for name in outputs]
        return exp.select(*picked, copy=False).from_(source, copy=False)
