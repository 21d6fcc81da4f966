"""Text -> AST. The only module that touches Lark.

Lark's exceptions are turned into ExprSyntaxError with offsets at this boundary;
the Lark tree is converted to our AST without recursion, so deep input gives a
clear error instead of a RecursionError.
"""

from __future__ import annotations

import datetime as _dt
import functools
from decimal import Decimal
from typing import Any, Callable, List, Optional, Tuple

import lark
from lark import Token, Tree

from ..resources import grammar_path
from ..messages import Word
from ..source import FULL_WIDTH, Span
from . import ast

MAX_LENGTH = 4000
MAX_DEPTH = 50
MAX_DIGITS = 18

Locate = Callable[[int, int], Optional[Span]]

# words of the grammar; the contextual lexer would otherwise read them as names where no
# keyword is expected ("a and and b", "x >= not"), hiding the syntax error
KEYWORDS = frozenset({"and", "or", "not", "in", "of", "where", "if", "then", "else", "true", "false"})

_COMPARE = {"=": "==", "≥": ">=", "≤": "<=", "≠": "!="}
_ARITH = {"×": "*", "÷": "/"}

_TOKEN_WORDS = {
    "LPAR": "(", "RPAR": ")", "LSQB": "[", "RSQB": "]", "COMMA": ",", "DOT": ".",
    "MINUS": "-", "NUMBER": "number", "PERCENT": "percentage", "STRING": "text in quotes",
    "DATE": "date", "NAME": "name", "PARAM": "$parameter", "RULE_REF": "@rule",
    "COMP_OP": "comparison", "ADD_OP": "+ -", "MUL_OP": "* /", "$END": "end of expression",
}


class ExprSyntaxError(Exception):
    """A problem in the text of one expression; offsets are into that text."""

    def __init__(self, code: str, start: int, end: int, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.start = start
        self.end = end
        self.args_ = args


def _reject_keyword(token: Token) -> Token:
    """A keyword read as a NAME (where the parser expects no keyword) is a syntax error here."""
    _no_keywords([token])
    return token


@functools.lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    return lark.Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=False,
        lexer_callbacks={"NAME": _reject_keyword},
    )


def build_parser() -> lark.Lark:
    """The cached LALR parser (exposed so tests can check the grammar has no conflicts)."""
    return _lark()


def parse(text: str, locate: Optional[Locate] = None) -> ast.Expr:
    """Parse one expression. Raises ExprSyntaxError."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError("E037", 0, 1, limit=MAX_LENGTH)
    if not text.strip():
        raise ExprSyntaxError("E030", 0, 1, detail=_word("empty").format())
    try:
        tree = _lark().parse(text)
    except lark.exceptions.LarkError:
        mistake = _common_mistake(text)
        if mistake is not None:
            raise mistake from None
        return _parse_reporting(text, locate)
    return _finish(tree, locate)


# what clerks write for and / or / not, and their half-width operators (only looked for once
# the parser has failed: inside quotes these are ordinary text)
_WORDS = (("并且", "and"), ("而且", "and"), ("或者", "or"), ("不是", "not"), ("并", "and"), ("且", "and"),
          ("或", "or"), ("非", "not"))


def _common_mistake(text: str) -> Optional[ExprSyntaxError]:
    """A failed expression's usual cause, with its fix: full-width ＞＝ ， ( ), or 并且 for and."""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in FULL_WIDTH:
            end = index + 1
            while end < len(text) and text[end] in FULL_WIDTH:
                end += 1
            found = text[index:end]
            fix = "".join(FULL_WIDTH[c] for c in found)
            return ExprSyntaxError("E047", index, end, found=found, fix=fix)
        else:
            for word, fix in _WORDS:
                if text.startswith(word, index):
                    return ExprSyntaxError("E048", index, index + len(word), found=word, fix=fix)
        index += 1
    return None


def _parse_reporting(text: str, locate: Optional[Locate]) -> ast.Expr:
    try:
        tree = _lark().parse(text)
    except lark.exceptions.UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        raise ExprSyntaxError("E030", exc.pos_in_stream, exc.pos_in_stream + 1,
                              detail=_word("char").format(char=char)) from None
    except lark.exceptions.UnexpectedEOF as exc:
        raise ExprSyntaxError("E030", len(text), len(text) + 1,
                              detail=_word("eof").format(expected=_expected(exc.expected))) from None
    except lark.exceptions.UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            raise ExprSyntaxError("E030", len(text.rstrip()), len(text.rstrip()) + 1,
                                  detail=_word("eof").format(expected=_expected(exc.expected))) from None
        start = token.start_pos or 0
        raise ExprSyntaxError("E030", start, start + max(len(str(token)), 1),
                              detail=_word("token").format(token=str(token), expected=_expected(exc.expected))) from None
    except lark.exceptions.LarkError as exc:  # pragma: no cover - defensive
        raise ExprSyntaxError("E030", 0, 1, detail=str(exc)) from None
    return _finish(tree, locate)  # pragma: no cover - the first parse failed, so this one does too


def _finish(tree: Any, locate: Optional[Locate]) -> ast.Expr:
    node = _convert(tree, locate or (lambda start, end: None))
    if ast.depth(node) > MAX_DEPTH:
        raise ExprSyntaxError("E036", 0, 1, limit=MAX_DEPTH)
    return node


class _Template:
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def format(self, **args: object) -> Word:
        return Word(self.zh.format(**args), self.en.format(**args))


def _word(key: str) -> _Template:
    return {
        "empty": _Template("表达式为空", "empty expression"),
        "char": _Template("无法识别的字符 “{char}”", "unexpected character '{char}'"),
        "eof": _Template("表达式不完整,缺少 {expected}", "expression ends early, expected {expected}"),
        "token": _Template("此处不应出现 “{token}”,应为 {expected}", "unexpected '{token}', expected {expected}"),
        "keyword": _Template("“{token}” 是保留字,不能用作名称", "'{token}' is a reserved word, not a name"),
    }[key]


def _expected(names) -> str:
    words = sorted({_TOKEN_WORDS.get(n, n.lower() if n.isupper() else n) for n in names})
    words = [w.strip('"') for w in words if not w.startswith("__")]
    return " | ".join(words[:8]) + (" …" if len(words) > 8 else "")


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    out: List[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _number(token: Token) -> ast.NumberLit:
    text = str(token)
    whole = text.split(".")[0]
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise ExprSyntaxError("E038", token.start_pos, token.end_pos, value=text[:24] + "…")
    value = Decimal(text) if "." in text else int(text)
    return ast.NumberLit(value)


def _convert(root: Tree, locate: Locate) -> ast.Expr:
    """Post-order conversion with an explicit stack."""
    results: dict = {}
    stack: List[Tuple[object, bool]] = [(root, False)]
    while stack:
        item, done = stack.pop()
        if isinstance(item, Tree) and not done:
            stack.append((item, True))
            for child in reversed(item.children):
                if isinstance(child, Tree):
                    stack.append((child, False))
            continue
        if isinstance(item, Tree):
            kids = [results.pop(id(c)) if isinstance(c, Tree) else c for c in item.children]
            results[id(item)] = _build(item, kids, locate)
    return results[id(root)]


def _span(tree: Tree, locate: Locate) -> Optional[Span]:
    meta = tree.meta
    if getattr(meta, "empty", True):
        return None
    return locate(meta.start_pos, meta.end_pos)


def _no_keywords(tokens: list) -> None:
    for token in tokens:
        if isinstance(token, Token) and str(token) in KEYWORDS:
            raise ExprSyntaxError("E030", token.start_pos, token.end_pos,
                                  detail=_word("keyword").format(token=str(token)))


def _build(tree: Tree, kids: list, locate: Locate) -> ast.Expr:
    kind = tree.data if isinstance(tree.data, str) else tree.data.value
    span = _span(tree, locate)
    if kind == "number":
        node = _number(kids[0])
        return ast.NumberLit(node.value, span=span)
    if kind == "percent":
        text = str(kids[0])[:-1]
        if len(text.split(".")[0]) > MAX_DIGITS:
            raise ExprSyntaxError("E038", kids[0].start_pos, kids[0].end_pos, value=text[:24])
        return ast.NumberLit(Decimal(text) / 100, span=span)
    if kind == "string":
        return ast.TextLit(_unquote(str(kids[0])), span=span)
    if kind == "date":
        token = kids[0]
        try:
            value = _dt.date.fromisoformat(str(token))
        except ValueError:
            raise ExprSyntaxError("E013", token.start_pos, token.end_pos, value=str(token)) from None
        return ast.DateLit(value, span=span)
    if kind == "true":
        return ast.BoolLit(True, span=span)
    if kind == "false":
        return ast.BoolLit(False, span=span)
    if kind == "path":
        _no_keywords(kids)
        return ast.Path(tuple(str(k) for k in kids), span=span)
    if kind == "param":
        return ast.Param(str(kids[0])[1:], span=span)
    if kind == "rule_ref":
        return ast.RuleRef(str(kids[0])[1:], span=span)
    if kind == "call":
        _no_keywords(kids[:1])
        name = str(kids[0])
        args = tuple(k for k in kids[1:] if k is not None)
        return ast.Call(name, args, span=span)
    if kind == "agg_fn":
        return str(kids[0])  # type: ignore[return-value]
    if kind == "aggregate":
        func, first, second, where = kids
        if second is None:
            return ast.Aggregate(func, first, None, where, span=span)
        return ast.Aggregate(func, second, first, where, span=span)
    if kind == "list_lit":
        return ast.ListLit(tuple(k for k in kids if k is not None), span=span)
    if kind == "if_expr":
        return ast.If(kids[0], kids[1], kids[2], span=span)
    if kind in ("or_expr", "and_expr"):
        op = "or" if kind == "or_expr" else "and"
        left, right = kids
        operands = left.operands if isinstance(left, ast.Logical) and left.op == op else (left,)
        return ast.Logical(op, operands + (right,), span=span)
    if kind == "not_expr":
        return ast.Not(kids[0], span=span)
    if kind == "neg":
        operand = kids[0]
        if isinstance(operand, ast.NumberLit) and operand.value >= 0 and not isinstance(operand.value, bool):
            return ast.NumberLit(-operand.value, span=span)
        return ast.Neg(operand, span=span)
    if kind == "compare":
        left, op, right = kids
        return ast.Compare(_COMPARE.get(str(op), str(op)), left, right, span=span)
    if kind == "arith":
        left, op, right = kids
        return ast.Arith(_ARITH.get(str(op), str(op)), left, right, span=span)
    if kind == "in_expr":
        return ast.In(kids[0], kids[1], False, span=span)
    if kind == "not_in_expr":
        return ast.In(kids[0], kids[1], True, span=span)
    raise ExprSyntaxError("E030", 0, 1, detail=f"unsupported construct {kind}")  # pragma: no cover

