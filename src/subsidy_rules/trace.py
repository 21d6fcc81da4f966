"""The letter sentence by sentence, each linked to what in the policy quotes it.

`build_trace(policy)` cuts a shipped document (policy/documents/) into
sentences, marks which are normative (they state a condition, an amount, a
target or an obligation), and links each to every rule, condition, criterion,
class and parameter whose `source.quote` occurs in it (quotes.py does the
matching). Normative sentences that nothing quotes are listed as uncovered;
quotes that are not in the letter, and quotes of documents the policy does not
ship, are listed apart. The CLI (`subsidy-rules trace`) and the page render it.

Sentences: a document is cut at 。 ; ； ! ！ ? ？ (closing quotation marks and
brackets stay with their sentence) and at every line end. A line that begins
with 一、 二、 … starts a section, one that begins with （一） （二） … a
subsection; its heading (up to its first full stop) is the section of the
sentences that follow, not a sentence itself. A part of the document without a
numbered heading is named in the document's metadata (`parts`).

Normative, by a heuristic: the sentence contains one of NORMATIVE_MARKERS or
a sum of money (1800万元), none of REPORT_MARKERS, and is not a title (一是…,
二是… with no comma).
The document's `normative` / `not_normative` fragments override it, for every
sentence that contains one. Whether something quotes a sentence does not make
it normative: a drafted criterion may quote a report of results.

Links: every sentence a quote touches is linked. A quote found in several
places (a condition's 自主创业) links only where its rule's own quote is, when
it occurs there; a parameter's, where the quotes of the rules using it are.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import attrs

from . import model as m
from .messages import joined, kind_word, markdown_text, trace_word
from .expr import ast
from .quotes import Located, Match, locate_all, normalise

NORMATIVE_MARKERS = (
    "给予", "补贴", "奖补", "奖励", "贴息", "标准",      # an amount or what is paid
    "不低于", "不超过", "至少", "以上", "以下", "以内",  # a threshold or a target
    "应当", "必须", "不得", "做到", "确保", "纳入",      # an obligation
    "每年", "按月", "按季",                              # a recurring duty
)
_AMOUNT = re.compile(r"\d+(?:\.\d+)?万?元")
REPORT_MARKERS = ("截至目前", "收悉", "感谢")

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_SENTENCE = re.compile(r"[^。;；!！?？\n]*(?:[。;；!！?？]+[”’」』）)》\"']*|$)")


@attrs.frozen
class Piece:
    """A sentence as cut from the text: where it is (indexes into the reading text) and its section."""

    section: str
    text: str
    start: int
    end: int


def _cut(line: str, offset: int) -> List[Tuple[str, int]]:
    """(sentence, start index) for each sentence of one line."""
    found = []
    for match in _SENTENCE.finditer(line):
        raw = match.group(0)
        if raw.strip():
            found.append((raw.strip(), offset + match.start() + len(raw) - len(raw.lstrip())))
    return found


def split_sentences(text: str, parts: Sequence[m.DocumentPart] = ()) -> List[Piece]:
    """Cut a text into sentences with the section each belongs to (see the module docstring)."""
    pending = sorted((text.find(part.at), part.section) for part in parts if part.at in text)
    top, sub = "", ""
    pieces: List[Piece] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        body_start = line_start + len(line) - len(line.lstrip())
        while pending and pending[0][0] < body_start:  # a part that begins before this line
            top, sub = pending.pop(0)[1], ""
        rest, rest_start = stripped, body_start
        heading, subheading = _HEADING.match(stripped), _SUBHEADING.match(stripped)
        if heading or subheading:
            stop = re.search(r"[。;；!！?？]", stripped)
            title = stripped[: stop.end()] if stop else stripped
            if heading:
                top, sub = title.rstrip("。;；"), ""
            else:
                sub = title.rstrip("。;；")
            rest, rest_start = stripped[len(title):], body_start + len(title)
        for sentence, start in _cut(rest, rest_start):
            end = start + len(sentence)
            while pending and pending[0][0] < end:  # a part that begins inside this sentence
                top, sub = pending.pop(0)[1], ""
            section = f"{top} · {sub}" if top and sub else (top or sub)
            pieces.append(Piece(section, sentence, start, end))
    return pieces


_TITLE = re.compile(r"^[一二三四五六七八九十]+是")


def heuristic_normative(sentence: str) -> bool:
    """Does a sentence look like it states a condition, an amount, a target or an obligation?

    A marker word (NORMATIVE_MARKERS) or a sum of money, and no report word
    (REPORT_MARKERS); a sentence that begins 一是, 二是 … and has no comma is a
    title (二是创新就业服务补贴政策。), not a rule.
    """
    folded = normalise(sentence)[0]
    if _TITLE.match(folded) and "," not in folded:
        return False
    if any(marker in folded for marker in REPORT_MARKERS):
        return False
    return any(marker in folded for marker in NORMATIVE_MARKERS) or bool(_AMOUNT.search(folded))


# ------------------------------------------------------------------ the trace


@attrs.frozen
class Link:
    """One thing that quotes a sentence."""

    kind: str  # rule | condition | criterion | class | parameter
    rule: Optional[str]
    id: str
    label: m.Label

    def to_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "rule": self.rule, "id": self.id, "label": {"zh": self.label.zh, "en": self.label.en}}


@attrs.frozen
class Sentence:
    index: int  # from 1, as a clerk counts
    section: str
    text: str
    normative: bool
    links: Tuple[Link, ...] = ()

    @property
    def uncovered(self) -> bool:
        return self.normative and not self.links

    def to_dict(self) -> Dict[str, Any]:
        return {"index": self.index, "section": self.section, "text": self.text, "normative": self.normative,
                "links": [link.to_dict() for link in self.links]}


@attrs.frozen
class QuoteProblem:
    """A quote that could not be checked against the letter: not in it, or of a document not shipped."""

    kind: str
    rule: Optional[str]
    id: str
    quote: str
    document: str
    file: str
    line: int
    column: int

    def to_dict(self, with_document: bool = False) -> Dict[str, Any]:
        found = {"kind": self.kind, "rule": self.rule, "id": self.id, "quote": self.quote,
                 "file": self.file, "line": self.line, "column": self.column}
        if with_document:
            found["document"] = self.document
        return found


@attrs.frozen
class Trace:
    document: Optional[m.Document]
    sentences: Tuple[Sentence, ...]
    quotes_not_found: Tuple[QuoteProblem, ...] = ()
    quotes_unshipped: Tuple[QuoteProblem, ...] = ()

    @property
    def uncovered(self) -> Tuple[int, ...]:
        return tuple(s.index for s in self.sentences if s.uncovered)

    def sentences_for(self, rule: Optional[str] = None, parameter: Optional[str] = None) -> Tuple[Sentence, ...]:
        """The sentences a rule (itself or any of its conditions, criteria, classes) or a parameter quotes:
        what a rule browser shows beside the rule."""
        def wanted(link: Link) -> bool:
            if parameter is not None:
                return link.kind == "parameter" and link.id == parameter
            return link.rule == rule
        return tuple(s for s in self.sentences if any(wanted(link) for link in s.links))

    def to_dict(self, lang: str = "zh", only_uncovered: bool = False) -> Dict[str, Any]:
        """The stable JSON shape (docs/cli.md, trace). ``lang`` picks the document title's language."""
        doc = self.document
        sentences = [s for s in self.sentences if s.uncovered] if only_uncovered else list(self.sentences)
        return {
            "document": None if doc is None else {
                "id": doc.id, "title": doc.title.get(lang), "date": doc.date.isoformat() if doc.date else None},
            "sentences": [s.to_dict() for s in sentences],
            "uncovered": list(self.uncovered),
            "quotes_not_found": [q.to_dict() for q in self.quotes_not_found],
            "quotes_unshipped": [q.to_dict(with_document=True) for q in self.quotes_unshipped],
        }


def _problem(located: Located) -> QuoteProblem:
    citation = located.citation
    span = citation.source.quote_span
    return QuoteProblem(citation.kind, citation.rule if citation.kind != "parameter" else None, citation.id,
                        citation.source.quote, citation.source.document,
                        span.file if span else citation.file, span.line if span else 0, span.column if span else 0)


def _contains(folded_sentence: str, fragment: str) -> bool:
    return normalise(fragment)[0] in folded_sentence


def _parameter_users(model: m.PolicyModel) -> Dict[str, Tuple[str, ...]]:
    """Parameter name -> ids of the rules whose expressions use it."""
    found: Dict[str, List[str]] = {}
    for rule in model.rules:
        for expression, _, _ in m.rule_expressions(rule):
            if expression.tree is None:
                continue
            for node in ast.walk(expression.tree):
                if isinstance(node, ast.Param) and rule.id not in found.setdefault(node.name, []):
                    found[node.name].append(rule.id)
    return {name: tuple(ids) for name, ids in found.items()}


def build_trace(policy: Union["m.PolicyModel", Any], document: Optional[str] = None) -> Trace:
    """The trace of a policy's shipped document (the first, or the one with id ``document``).

    Takes a loaded Policy or a PolicyModel: the trace needs only what was loaded, so it
    also works on a policy whose check fails (a misquoted rule is exactly what it shows).
    """
    model: m.PolicyModel = getattr(policy, "model", policy)
    located = locate_all(model)
    unshipped = tuple(_problem(l) for l in located if l.document is None)
    chosen = None
    for candidate in model.documents:
        if document is None or candidate.id == document:
            chosen = candidate
            break
    if chosen is None:
        return Trace(None, (), (), unshipped)
    pieces = split_sentences(chosen.reading, chosen.parts)
    mine = [entry for entry in located if entry.document is chosen]

    def touched(match: Match) -> List[int]:
        return [number for number, piece in enumerate(pieces)
                if any(piece.start < end and start < piece.end for start, end in match.pieces)]

    # the sentences each rule's own quote is in: where its conditions' short quotes are meant
    rule_sentences: Dict[str, set] = {}
    for entry in mine:
        if entry.citation.kind == "rule":
            for match in entry.matches:
                rule_sentences.setdefault(entry.citation.id, set()).update(touched(match))
    users = _parameter_users(model)
    links: List[List[Link]] = [[] for _ in pieces]
    for entry in mine:
        citation = entry.citation
        link = Link(citation.kind, citation.rule if citation.kind != "parameter" else None, citation.id, citation.label)
        found = [touched(match) for match in entry.matches]
        if len(found) > 1:
            rules = users.get(citation.id, ()) if citation.kind == "parameter" else (citation.rule,)
            context = set().union(*(rule_sentences.get(r, set()) for r in rules if r)) if rules else set()
            in_context = [numbers for numbers in found if context.intersection(numbers)]
            found = in_context or found
        for numbers in found:
            for number in numbers:
                if link not in links[number]:
                    links[number].append(link)
    sentences = []
    for number, piece in enumerate(pieces):
        folded = normalise(piece.text)[0]
        normative = heuristic_normative(piece.text)
        if any(_contains(folded, f) for f in chosen.normative):
            normative = True
        if any(_contains(folded, f) for f in chosen.not_normative):
            normative = False
        sentences.append(Sentence(number + 1, piece.section, piece.text, normative, tuple(links[number])))
    not_found = tuple(sorted((_problem(l) for l in located if l.document is chosen and not l.found),
                             key=lambda q: (q.file, q.line, q.column)))
    return Trace(chosen, tuple(sentences), not_found, unshipped)


# ------------------------------------------------------------------ rendering


def _link_text(link: Link, lang: str) -> str:
    kind = kind_word(link.kind).get(lang)
    if link.kind == "parameter":
        name = f"${link.id}"
    elif link.kind == "rule":
        name = link.id
    else:
        name = f"{link.rule}/{link.id}"
    return f"{kind} {name} {link.label.get(lang)}"


def _mark(sentence: Sentence) -> str:
    if not sentence.normative:
        return "○" if sentence.links else " "
    return "●" if sentence.links else "✗"


def _problem_lines(trace: Trace, lang: str, bullet: str) -> List[str]:
    lines: List[str] = []

    def what(q: QuoteProblem) -> str:
        return _link_text(Link(q.kind, q.rule, q.id, m.Label("", "")), lang).strip()

    if trace.quotes_not_found:
        lines.append(trace_word("not_found_head", lang))
        for q in trace.quotes_not_found:
            lines.append(bullet + trace_word("problem_quote", lang, where=f"{q.file}:{q.line}:{q.column}", what=what(q), quote=q.quote))
    if trace.quotes_unshipped:
        lines.append(trace_word("unshipped_head", lang))
        for q in trace.quotes_unshipped:
            lines.append(bullet + trace_word("problem_document", lang, where=f"{q.file}:{q.line}:{q.column}", what=what(q), document=q.document))
    return lines


def _header(trace: Trace, lang: str) -> List[str]:
    doc = trace.document
    assert doc is not None
    lines = [trace_word("heading", lang, id=doc.id, title=doc.title.get(lang), date=doc.date.isoformat() if doc.date else "?"),
             trace_word("legend", lang)]
    if doc.restorations:
        lines.append(trace_word("restored", lang, list=joined((f"{r.printed} → {r.reads}" for r in doc.restorations), lang, "clause_sep")))
    return lines


def _summary(trace: Trace, lang: str) -> List[str]:
    normative = sum(1 for s in trace.sentences if s.normative)
    uncovered = trace.uncovered
    lines = [trace_word("summary", lang, sentences=len(trace.sentences), normative=normative,
                        covered=normative - len(uncovered), uncovered=len(uncovered))]
    if uncovered:
        lines.append(trace_word("uncovered_head", lang, list=joined((trace_word("sentence", lang, index=i) for i in uncovered), lang)))
    return lines


def render_text(trace: Trace, lang: str = "zh", only_uncovered: bool = False) -> str:
    """The letter sentence by sentence, what quotes each under it, uncovered ones marked."""
    if trace.document is None:
        return "\n".join([trace_word("no_documents", lang)] + _problem_lines(trace, lang, "  ")) + "\n"
    lines = _header(trace, lang)
    section = None
    for sentence in trace.sentences:
        if only_uncovered and not sentence.uncovered:
            continue
        if sentence.section != section:
            section = sentence.section
            lines.append("")
            lines.append(section or trace_word("preamble", lang))
        tail = f"  ({trace_word('uncovered_mark', lang)})" if sentence.uncovered else ""
        lines.append(f"  [{sentence.index}] {_mark(sentence)} {sentence.text}{tail}")
        for link in sentence.links:
            lines.append(f"        ↳ {_link_text(link, lang)}")
    lines.append("")
    lines.extend(_summary(trace, lang))
    lines.extend(_problem_lines(trace, lang, "  "))
    return "\n".join(lines) + "\n"




def render_markdown(trace: Trace, lang: str = "zh", only_uncovered: bool = False) -> str:
    """The same report as Markdown: a heading per section, a list item per sentence."""
    if trace.document is None:
        return "\n".join([trace_word("no_documents", lang)] + _problem_lines(trace, lang, "- ")) + "\n"
    head = _header(trace, lang)
    lines = [f"# {markdown_text(head[0])}", "", markdown_text(head[1])]
    if len(head) > 2:
        lines += ["", markdown_text(head[2])]
    section = None
    for sentence in trace.sentences:
        if only_uncovered and not sentence.uncovered:
            continue
        if sentence.section != section:
            section = sentence.section
            lines += ["", f"## {markdown_text(section or trace_word('preamble', lang))}", ""]
        tail = f" **({trace_word('uncovered_mark', lang)})**" if sentence.uncovered else ""
        lines.append(f"- **[{sentence.index}]** {_mark(sentence).strip()} {markdown_text(sentence.text)}{tail}".replace("  ", " "))
        for link in sentence.links:
            lines.append(f"  - {markdown_text(_link_text(link, lang))}")
    for line in _summary(trace, lang):
        lines += ["", markdown_text(line)]
    for line in _problem_lines(trace, lang, ""):
        if line in (trace_word("not_found_head", lang), trace_word("unshipped_head", lang)):
            lines += ["", markdown_text(line), ""]
        else:
            lines.append("- " + markdown_text(line))
    return "\n".join(lines) + "\n"
