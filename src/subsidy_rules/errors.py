"""One family of errors, rooted in SubsidyRulesError.

A policy problem is a Diagnostic (code, span, arguments) rendered in zh or en;
PolicyError carries all of them. A claim problem names the JSON path of the bad
value. Foreign exceptions (Lark, PyYAML) are translated where they occur.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import attrs

from .messages import CLAIM, CLAIM_HINTS, DIAGNOSTICS, HINTS, LANGS, Word, form, joined, render, suggestion_text, type_word
from .source import Span, YamlProblem


def did_you_mean(name: str, candidates: Iterable[str], limit: int = 3) -> Tuple[str, ...]:
    """Close spellings of ``name`` among ``candidates`` (for 'did you mean')."""
    pool = sorted(set(candidates))
    found = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    if not found:
        lowered = name.lower()
        found = [c for c in pool if c.lower() == lowered or lowered in c.lower()][:limit]
    return tuple(found)


@attrs.frozen
class Diagnostic:
    """One problem in a policy, with its position and the facts needed to word it."""

    code: str
    span: Span
    args: Dict[str, Any] = attrs.field(factory=dict, eq=False)
    suggestions: Tuple[str, ...] = ()
    severity: str = "error"  # "error" | "warning"

    def _args(self, lang: str) -> Dict[str, Any]:
        args = dict(self.args)
        args.setdefault("suggestion", suggestion_text(self.suggestions, lang))
        args.setdefault("es", "" if args.get("expected") == 1 else "s")  # 1 argument, 2 arguments
        return args

    def message(self, lang: str = "zh") -> str:
        code = self.code
        if code == "E012" and self.args.get("expected") == type_word("bool"):
            code = "E012B"  # say what to write, not "应当是是/否"
        return render(DIAGNOSTICS, code, lang, self._args(lang))

    def hint(self, lang: str = "zh") -> Optional[str]:
        code = self.code
        key = str(self.args.get("key", ""))
        if code == "E010" and ("：" in key or key.endswith(":")):
            code = "E010F"  # 键： 值 with a full-width colon reads as one key
        elif code == "E010" and _looks_like_split_text(key):
            code = "E010C"
        elif code == "E010" and re.fullmatch(r"[0-9]{3}(,[0-9]{3})*(\.[0-9]+)?", key):
            code = "E010N"  # value: 1,500 in { }: the comma made 500 a key of its own
        elif code == "E051" and self.args.get("quoted"):
            code = "E051Q"
        if code not in HINTS:
            return None
        return render(HINTS, code, lang, self._args(lang))

    def format(self, lang: str = "zh") -> str:
        """Compiler style: path:line:col: error[CODE]: message, the line, a caret."""
        head = f"{self.span}: {form(self.severity, lang)}[{self.code}]: {self.message(lang)}"
        lines = [head] + excerpt(self.span)
        hint = self.hint(lang)
        if hint:
            lines.append(form("hint", lang) + hint)
        return "\n".join(lines)

    def to_dict(self, lang: str = "zh") -> Dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "message": self.message(lang),
            "hint": self.hint(lang),
            "suggestions": list(self.suggestions),
        }


_EXCERPT = 72  # how much of a very long line an error shows
_LONG_LINE = 240


def excerpt(span: Span) -> List[str]:
    """The source line of a span with a caret under it (wide characters take two columns)."""
    source = span.source
    text = source.line_text(span.line) if source is not None else ""
    if not text:
        return []
    gutter = f"{span.line:>5} | "
    column, end_column = span.column, span.end_column
    if len(text) > _LONG_LINE:  # a very long line: show the part around the column, not all of it
        start = max(0, column - 1 - _EXCERPT // 3)
        shown = text[start:start + _EXCERPT]
        lead = "…" if start else ""
        text = lead + shown + ("…" if start + _EXCERPT < len(text) else "")
        column, end_column = column - start + len(lead), min(end_column - start + len(lead), len(text))
        span = attrs.evolve(span, column=column, end_column=end_column)
    prefix = text[: max(span.column - 1, 0)]
    pad = "".join("\t" if ch == "\t" else ("  " if _wide(ch) else " ") for ch in prefix)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = min(sum(2 if _wide(ch) else 1 for ch in text[span.column - 1 : span.end_column - 1]) or 1, _LONG_LINE // 6)
    return [gutter + text, " " * (len(gutter) - 2) + "| " + pad + "^" * width]


def _looks_like_split_text(key: str) -> bool:
    """An 'unknown key' that is really the tail of a text cut at a comma in a flow mapping."""
    return any(_wide(ch) for ch in key) or " " in key.strip()


def _wide(char: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(char) in ("W", "F")


class SubsidyRulesError(Exception):
    """The root of every error this package raises on purpose."""

    def message(self, lang: str = "zh") -> str:
        return str(self)


class PolicyError(SubsidyRulesError):
    """The policy files have problems; ``diagnostics`` lists every one found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        super().__init__(self.message("en"))

    def __reduce__(self):
        return (PolicyError, (self.diagnostics,))

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def message(self, lang: str = "zh") -> str:
        return "\n".join(d.format(lang) for d in self.diagnostics)


@attrs.frozen
class ClaimProblem:
    """One problem in a claim: the JSON path of the bad value (0-based, as JSON tools count),
    where it is in the claim's file when the claim came from one, and the facts to word it."""

    code: str
    path: str = ""
    args: Dict[str, Any] = attrs.field(factory=dict, eq=False)
    suggestions: Tuple[str, ...] = ()
    span: Optional[Span] = attrs.field(default=None, eq=False)
    who: Tuple[str, str] = ("", "")  # "第2名" / "worker 2": the person the path is about, when known

    def message(self, lang: str = "zh") -> str:
        """The message with the path as people count: employer.hires[1] is the first hire."""
        args = dict(self.args)
        args["path"] = people_path(self.path, self.who[LANGS.index(lang) if lang in LANGS else 1], lang) if self.path else "$"
        args.setdefault("suggestion", suggestion_text(self.suggestions, lang))
        return render(CLAIM, _claim_template(self.code, self.args), lang, args)

    @property
    def severity(self) -> str:
        return "error"

    def hint(self, lang: str = "zh") -> Optional[str]:
        key = _claim_template(self.code, self.args)
        cause = self.args.get("cause")
        if key == "C004" and cause in HINTS:  # the YAML problem's own advice (a tab, a date, …)
            return render(HINTS, cause, lang, dict(self.args))
        if key not in CLAIM_HINTS:
            return None
        return render(CLAIM_HINTS, key, lang, dict(self.args))

    def format(self, lang: str = "zh") -> str:
        """Compiler style when the claim came from a file: file:line:col: 错误[C001]: …, the line, a caret."""
        if self.span is None:
            lines = [f"[{self.code}] " + self.message(lang)]
        else:
            lines = [f"{self.span}: {form('error', lang)}[{self.code}]: {self.message(lang)}"] + excerpt(self.span)
        hint = self.hint(lang)
        if hint:
            lines.append(form("hint", lang) + hint)
        return "\n".join(lines)

    def to_dict(self, lang: str = "zh") -> Dict[str, Any]:
        return {
            "code": self.code,
            "severity": "error",
            "path": self.path,
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
            "message": self.message(lang),
            "hint": self.hint(lang),
            "suggestions": list(self.suggestions),
        }


def people_path(path: str, who: str = "", lang: str = "zh") -> str:
    """employer.hires[0].age as people count it: employer.hires[1].age, with 第1名 in front when known.

    JSON paths (decision.missing, ClaimError.path, every JSON output) stay 0-based; only the
    words shown to people count from 1 (docs/cli.md).
    """
    shown = _INDEX.sub(lambda match: f"[{int(match.group(1)) + 1}]", path)
    if not who:
        return shown
    return form("person_path", lang, who=who, path=shown)


_INDEX = re.compile(r"\[(\d+)\]")


def _claim_template(code: str, args: Dict[str, Any]) -> str:
    """C001 has its own words for yes/no values and dates: they say what to write."""
    if code == "C001":
        expected = args.get("expected")
        if expected == type_word("bool"):
            return "C001B"
        if expected == type_word("date"):
            return "C001D"
    return code


class ClaimError(SubsidyRulesError):
    """A claim is malformed: ``path`` is the JSON path of the bad value (e.g. employer.hires[2].age).

    ``problems`` lists every problem found in the claim (reading a claim does not stop at the
    first); ``code`` and ``path`` are the first one's. Claims read from a file carry positions.
    """

    def __init__(self, code: str, path: str = "", suggestions: Sequence[str] = (), span: Optional[Span] = None,
                 **args: Any) -> None:
        self.code = code
        self.path = path
        self.suggestions = tuple(suggestions)
        self.args_ = dict(args, path=path or "$")
        self.span = span
        self.problems: List[ClaimProblem] = [ClaimProblem(code, path, dict(args), self.suggestions, span)]
        super().__init__(self.message("en"))

    more = 0  # problems found beyond those listed (a claim lists at most MAX_LISTED)

    @classmethod
    def of(cls, problems: Sequence[ClaimProblem], more: int = 0) -> "ClaimError":
        """One error holding the problems of a claim, in the order found, and how many more there were."""
        first = problems[0]
        error = cls(first.code, first.path, first.suggestions, first.span, **first.args)
        error.problems = list(problems)
        error.more = more
        Exception.__init__(error, error.message("en"))
        return error

    def __reduce__(self):
        return (_rebuild_claim_error, ([(p.code, p.path, p.args, p.suggestions, p.span, p.who) for p in self.problems],
                                       self.more))

    def message(self, lang: str = "zh") -> str:
        tail = [render(CLAIM, "more", lang, {"n": self.more, "s": "" if self.more == 1 else "s"})] if self.more else []
        if all(p.span is None for p in self.problems):
            return "; ".join([f"[{p.code}] " + p.message(lang) for p in self.problems] + tail)
        return "\n".join([p.format(lang) for p in self.problems] + tail)

    def count_line(self, lang: str = "zh") -> str:
        n = len(self.problems) + self.more
        return render(CLAIM, "count", lang, {"n": n, "s": "" if n == 1 else "s"})


class EvaluationError(SubsidyRulesError):
    """An expression failed at run time on valid facts (division by zero, overflow).

    ``operands`` are the failing operation's operands as (expression text, value as a claim writes
    it): the message names the facts whose values met the error, not only the expression."""

    def __init__(self, code: str, expr: str, rule: str = "", span: Optional[Span] = None,
                 operands: Tuple[Tuple[str, str], ...] = ()) -> None:
        self.code = code
        self.expr = expr
        self.rule = rule
        self.span = span
        self.operands = operands
        super().__init__(self.message("en"))

    def __reduce__(self):
        return (EvaluationError, (self.code, self.expr, self.rule, self.span, self.operands))

    def message(self, lang: str = "zh") -> str:
        where = f"{self.span}: " if self.span else ""
        rule = f"[{self.rule}] " if self.rule else ""
        text = render(CLAIM, self.code, lang, {"expr": self.expr})
        shown = [f"{expr} = {value}" for expr, value in self.operands if expr]  # a literal is not named
        if shown:
            text += form("operand_values", lang, values=joined(shown, lang))
        return f"{where}{rule}[{self.code}] " + text


def _rebuild_claim_error(problems: list, more: int = 0) -> ClaimError:
    return ClaimError.of([ClaimProblem(code, path, args, tuple(suggestions), span, tuple(who))
                          for code, path, args, suggestions, span, who in problems], more)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def yaml_problem_words(problem: YamlProblem) -> Word:
    """A YAML problem of a file that is not a policy file (a claim, a mapping) in words, for its error."""
    def filled(template: str, lang: str) -> str:
        return template.format_map(_Blank({k: (v.get(lang) if isinstance(v, Word) else v) for k, v in problem.args_.items()}))

    zh, en = DIAGNOSTICS[problem.code]
    return Word(filled(zh, "zh"), filled(en, "en"))
