"""AST -> text, with the fewest parentheses that keep the meaning.

parse(print(tree)) == tree for every tree the parser can produce.
"""

from __future__ import annotations

from decimal import Decimal

from . import ast

# binding strength: higher binds tighter
_IF, _OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _UNARY, _ATOM = range(9)


def _level(node: ast.Expr) -> int:
    if isinstance(node, ast.If):
        return _IF
    if isinstance(node, ast.Logical):
        return _OR if node.op == "or" else _AND
    if isinstance(node, ast.Not):
        return _NOT
    if isinstance(node, (ast.Compare, ast.In)):
        return _CMP
    if isinstance(node, ast.Arith):
        return _SUM if node.op in "+-" else _PRODUCT
    if isinstance(node, ast.Neg):
        return _UNARY
    if isinstance(node, ast.NumberLit) and node.value < 0:
        return _UNARY
    return _ATOM


def to_text(node: ast.Expr) -> str:
    return _print(node)


def _wrap(node: ast.Expr, minimum: int) -> str:
    text = _print(node)
    return f"({text})" if _level(node) < minimum else text


def _number(value) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." not in text:
            text += ".0"
        return text
    return str(value)


def _string(value: str) -> str:
    body = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


def _print(node: ast.Expr) -> str:
    if isinstance(node, ast.NumberLit):
        return _number(node.value)
    if isinstance(node, ast.TextLit):
        return _string(node.value)
    if isinstance(node, ast.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, ast.DateLit):
        return node.value.isoformat()
    if isinstance(node, ast.Path):
        return node.dotted
    if isinstance(node, ast.Param):
        return "$" + node.name
    if isinstance(node, ast.RuleRef):
        return "@" + node.rule_id
    if isinstance(node, ast.Not):
        return "not " + _wrap(node.operand, _NOT)
    if isinstance(node, ast.Neg):
        return "-" + (" " if isinstance(node.operand, (ast.Neg, ast.NumberLit)) else "") + _wrap(node.operand, _UNARY)
    if isinstance(node, ast.Logical):
        level = _level(node)
        return f" {node.op} ".join(_wrap(x, level + 1) for x in node.operands)
    if isinstance(node, ast.Compare):
        return f"{_wrap(node.left, _SUM)} {node.op} {_wrap(node.right, _SUM)}"
    if isinstance(node, ast.In):
        op = "not in" if node.negated else "in"
        return f"{_wrap(node.item, _SUM)} {op} {_wrap(node.collection, _SUM)}"
    if isinstance(node, ast.Arith):
        level = _level(node)
        return f"{_wrap(node.left, level)} {node.op} {_wrap(node.right, level + 1)}"
    if isinstance(node, ast.ListLit):
        return "[" + ", ".join(_print(x) for x in node.items) + "]"
    if isinstance(node, ast.If):
        return f"if {_print(node.cond)} then {_print(node.then)} else {_print(node.otherwise)}"
    if isinstance(node, ast.Call):
        return f"{node.name}(" + ", ".join(_print(x) for x in node.args) + ")"
    if isinstance(node, ast.Aggregate):
        text = node.func + "("
        if node.value is not None:
            text += _print(node.value) + " of "
        text += _print(node.source)
        if node.where is not None:
            text += " where " + _print(node.where)
        return text + ")"
    raise TypeError(f"cannot print {node!r}")  # pragma: no cover


def operand_text(node: ast.Expr) -> str:
    """An operand as an evaluation error names it; a literal is not named ("": its value is written)."""
    return "" if isinstance(node, (ast.NumberLit, ast.TextLit, ast.BoolLit, ast.DateLit)) else to_text(node)
