"""Named columns computed once: each in the lowest SELECT above the columns it reads.

A rule's query is a stack of SELECTs over the claims table. Every value the
compiler names (a leaf's truth, the list of per-item states, a count over that
list, the eligibility) is given to ``let``, which hands back a reference; what
reads the value reads the reference instead of repeating the expression. When
the query is built, each named value that is not an output becomes one column,
in the first layer where everything it reads already exists, unless it is small
and has no list operation: such a value (a comparison, a test of two counts) is
cheaper to write where it is read than to give a layer of its own, since every
layer costs the engine time to plan. Each layer passes the table's own columns
on (``SELECT *``), so an expression that reads facts (the missing facts, built
only for the rows that need them) can sit in any layer.

Inside the stack a column named ``x`` is called ``_x``, so that no name the
compiler makes meets a column of the user's table (``key``, ``amount``, ...);
the outermost SELECT gives the public names back.
"""

from __future__ import annotations

from typing import Dict, List, Sequence

from sqlglot import exp

from .dialects import Dialect, ident

import os
SMALL = int(os.environ.get("SQL_SMALL", "12"))  # nodes: a named value this small, without list operations, is written where it is read


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

    def _reads(self, value: exp.Expression) -> List[exp.Column]:
        return [c for c in value.find_all(exp.Column) if not c.table and c.name in self.values]

    @staticmethod
    def _small(value: exp.Expression) -> bool:
        count = 0
        for node in value.walk():
            if isinstance(node, (exp.Lambda, exp.Select, exp.Subquery)):
                return False
            count += 1
            if count > SMALL:
                return False
        return True

    @staticmethod
    def _write(node: exp.Expression, written: Dict[str, exp.Expression]) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in written:
            return exp.paren(written[node.name].copy(), copy=False)
        return node

    def query(self, table: exp.Expression, outputs: Sequence[str]) -> exp.Select:
        """The stacked SELECTs over ``table``, ending in the public names ``outputs``."""
        wanted = {_inner(name) for name in outputs}
        written: Dict[str, exp.Expression] = {}  # small values, written where they are read
        level: Dict[str, int] = {}
        stack: List[List[exp.Expression]] = []
        kept: Dict[str, exp.Expression] = {}
        for inner, value in self.values.items():
            if any(c.name in written for c in self._reads(value)):
                value = value.transform(self._write, written)  # a copy: each occurrence its own node
            if inner not in wanted and self._small(value):
                written[inner] = value
                continue
            depth = 0
            for column in value.find_all(exp.Column):
                if not column.table and column.name in level:
                    depth = max(depth, level[column.name] + 1)
            while len(stack) <= depth:
                stack.append([])
            stack[depth].append(exp.alias_(value, inner, quoted=True, copy=False))
            level[inner] = depth
            kept[inner] = value
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
                picked.append(exp.alias_(kept[inner], name, quoted=True, copy=False))
            else:
                picked.append(exp.alias_(exp.column(inner, quoted=True), name, quoted=True, copy=False))
        return exp.select(*picked, copy=False).from_(source, copy=False)
