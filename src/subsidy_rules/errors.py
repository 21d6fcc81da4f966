"""One family of errors, rooted in SubsidyRulesError.

A policy problem is a Diagnostic (code, span, arguments) rendered in zh or en;
PolicyError carries all of them. A claim problem names the JSON path of the bad
value. Foreign exceptions (Lark, PyYAML) are translated where they occur.
"""

from __future__ import annotations

import difflib
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import attrs

from .messages import CLAIM, DIAGNOSTICS, HINTS, render, suggestion_text
from .source import Span


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
        return args

    def message(self, lang: str = "zh") -> str:
        return render(DIAGNOSTICS, self.code, lang, self._args(lang))

    def hint(self, lang: str = "zh") -> Optional[str]:
        code = self.code
        if code == "E010" and _looks_like_split_text(str(self.args.get("key", ""))):
            code = "E010C"
        if code not in HINTS:
            return None
        return render(HINTS, code, lang, self._args(lang))

    def format(self, lang: str = "zh") -> str:
        """Compiler style: path:line:col: error[CODE]: message, the line, a caret."""
        label = ("错误" if self.severity == "error" else "警告") if lang == "zh" else self.severity
        head = f"{self.span}: {label}[{self.code}]: {self.message(lang)}"
        lines = [head]
        source = self.span.source
        text = source.line_text(self.span.line) if source is not None else ""
        if text:
            gutter = f"{self.span.line:>5} | "
            lines.append(gutter + text)
            prefix = text[: max(self.span.column - 1, 0)]
            pad = "".join("\t" if ch == "\t" else ("  " if _wide(ch) else " ") for ch in prefix)
            width = 1
            if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                width = sum(2 if _wide(ch) else 1 for ch in text[self.span.column - 1 : self.span.end_column - 1]) or 1
            lines.append(" " * (len(gutter) - 2) + "| " + pad + "^" * width)
        hint = self.hint(lang)
        if hint:
            lines.append(("  提示:" if lang == "zh" else "  hint: ") + hint)
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


class ClaimError(SubsidyRulesError):
    """A claim is malformed: ``path`` is the JSON path of the bad value (e.g. employer.hires[2].age)."""

    def __init__(self, code: str, path: str = "", suggestions: Sequence[str] = (), **args: Any) -> None:
        self.code = code
        self.path = path
        self.suggestions = tuple(suggestions)
        self.args_ = dict(args, path=path or "$")
        super().__init__(self.message("en"))

    def __reduce__(self):
        args = {k: v for k, v in self.args_.items() if k != "path"}
        return (_rebuild_claim_error, (self.code, self.path, self.suggestions, args))

    def message(self, lang: str = "zh") -> str:
        args = dict(self.args_)
        args.setdefault("suggestion", suggestion_text(self.suggestions, lang))
        return f"[{self.code}] " + render(CLAIM, self.code, lang, args)


class EvaluationError(SubsidyRulesError):
    """An expression failed at run time on valid facts (division by zero, overflow)."""

    def __init__(self, code: str, expr: str, rule: str = "", span: Optional[Span] = None) -> None:
        self.code = code
        self.expr = expr
        self.rule = rule
        self.span = span
        super().__init__(self.message("en"))

    def __reduce__(self):
        return (EvaluationError, (self.code, self.expr, self.rule, self.span))

    def message(self, lang: str = "zh") -> str:
        where = f"{self.span}: " if self.span else ""
        rule = f"[{self.rule}] " if self.rule else ""
        return f"{where}{rule}[{self.code}] " + render(CLAIM, self.code, lang, {"expr": self.expr})


def _rebuild_claim_error(code: str, path: str, suggestions: Tuple[str, ...], args: Dict[str, Any]) -> ClaimError:
    return ClaimError(code, path, suggestions, **args)
