"""Quotes of the letter: what cites which words, and where those words are.

Every rule, condition, criterion, class and parameter may cite the words of a
document it encodes (`source.quote`). This module lists those citations, finds
the document each one names among the documents shipped with the policy
(directly, or through a shipped document that restates it), and finds the
quoted words in that document's text. check.py reports quotes that are not
found; trace.py links the letter's sentences to what cites them.

Matching forgives what does not change the words: whitespace, full- and
half-width forms (，/, （/( ：/:), the kind of quotation marks, punctuation at
the cut edges of a quote, and characters the published text lost (the
document's restorations apply to a quote written from the printed text too).
An ellipsis (…… or ...) in a quote skips words: the parts must occur in order.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import attrs

from . import model as m

KINDS = ("rule", "condition", "criterion", "class", "parameter")

_GAP = re.compile(r"…+|⋯+|\.{3,}|。{3,}")
_QUOTE_MARKS = {"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"', "‘": "'", "’": "'"}
_EDGE = " .,;:!?、。·'\""


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return "".join(_QUOTE_MARKS.get(c, c) for c in folded)


def normalise(text: str) -> Tuple[str, List[int]]:
    """Text folded for matching, and for each of its characters the index it came from."""
    chars: List[str] = []
    where: List[int] = []
    for index, char in enumerate(text):
        for folded in _fold(char):
            if folded.isspace():
                continue
            chars.append(folded)
            where.append(index)
    return "".join(chars), where


def quote_parts(quote: str, restorations: Sequence[m.Restoration] = ()) -> List[str]:
    """The folded pieces of a quote that must occur in order (one unless it has an ellipsis)."""
    for restoration in restorations:
        if restoration.printed in quote and restoration.reads not in quote:
            quote = quote.replace(restoration.printed, restoration.reads)
    parts = []
    for piece in _GAP.split(quote):
        folded, _ = normalise(piece)
        folded = folded.strip(_EDGE)
        if folded:
            parts.append(folded)
    return parts


@attrs.frozen
class Match:
    """Where a quote occurs in a document's reading text: one (start, end) per part."""

    pieces: Tuple[Tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]


class DocumentIndex:
    """A document's reading text folded once, for finding many quotes in it."""

    def __init__(self, document: m.Document) -> None:
        self.document = document
        self.folded, self._where = normalise(document.reading)

    def _span(self, start: int, end: int) -> Tuple[int, int]:
        return self._where[start], self._where[end - 1] + 1

    def find(self, quote: str) -> List[Match]:
        """Every occurrence of the quote (each part after the one before), in reading-text indexes."""
        parts = quote_parts(quote, self.document.restorations)
        if not parts:
            return []
        found: List[Match] = []
        begin = self.folded.find(parts[0])
        while begin >= 0:
            pieces = [(begin, begin + len(parts[0]))]
            cursor = pieces[0][1]
            for part in parts[1:]:
                at = self.folded.find(part, cursor)
                if at < 0:
                    break
                pieces.append((at, at + len(part)))
                cursor = at + len(part)
            if len(pieces) < len(parts):
                break  # a later part is missing after this start, so after any later start too
            found.append(Match(tuple(self._span(a, b) for a, b in pieces)))
            begin = self.folded.find(parts[0], pieces[0][1])
        return found


@attrs.frozen
class Citation:
    """One thing in the policy that cites words of a document."""

    kind: str  # one of KINDS
    rule: Optional[str]
    id: str
    label: m.Label
    source: m.SourceRef
    file: str = ""


def citations(model: m.PolicyModel) -> List[Citation]:
    """Everything with a non-empty `source.quote`, in file order; each rule id once (its first version)."""
    found: List[Citation] = []
    seen = set()

    def add(kind: str, rule: Optional[str], ident: str, label: m.Label, source: Optional[m.SourceRef], file: str) -> None:
        if source is None or not source.quote.strip():
            return
        key = (kind, rule, ident, source.quote)
        if key not in seen:
            seen.add(key)
            found.append(Citation(kind, rule, ident, label, source, file))

    for rule in model.rules:
        add("rule", rule.id, rule.id, rule.title, rule.source, rule.file)
        roots = [rule.conditions] + ([rule.items.conditions] if rule.items is not None else [])
        for root in roots:
            for leaf in m.leaves(root):
                add("condition", rule.id, leaf.id, leaf.label, leaf.source, rule.file)
        for criterion in rule.criteria:
            add("criterion", rule.id, criterion.id, criterion.label, criterion.source, rule.file)
        for klass in rule.classes:
            add("class", rule.id, klass.id, klass.label, klass.source, rule.file)
    for name, param in model.parameters.items():
        add("parameter", None, name, param.label, param.source, param.span.file if param.span else "")
    return found


def _key(text: str) -> str:
    return normalise(text)[0]


def document_for(documents: Sequence[m.Document], cited: str) -> Optional[m.Document]:
    """The shipped document a citation's `document` names, itself or through one that restates it."""
    wanted = _key(cited)
    if not wanted:
        return None
    for document in documents:
        ident = _key(document.id)
        if ident and (ident == wanted or ident in wanted):
            return document
    for document in documents:
        for restated in document.restates:
            ident = _key(restated)
            if ident and (ident == wanted or ident in wanted):
                return document
    return None


@attrs.frozen
class Located:
    """A citation and what became of it: the document it was looked for in and the matches there
    (none: not found), or no document (it cites one that is not shipped, and its words are in none
    that is). ``cited`` is False when the words were found in a shipped document the citation
    does not name (a quote of a draft or a secondary source that repeats the letter's words)."""

    citation: Citation
    document: Optional[m.Document]
    matches: Tuple[Match, ...] = ()
    cited: bool = True

    @property
    def shipped(self) -> bool:
        return self.document is not None

    @property
    def found(self) -> bool:
        return bool(self.matches)


def locate_all(model: m.PolicyModel) -> List[Located]:
    """Every citation of the policy, looked for in the document it names.

    A citation of a document that is not shipped is looked for in every shipped one: where its
    words are found it is linked there (``cited`` False); found nowhere, it has no document.
    """
    indexes: Dict[str, DocumentIndex] = {}

    def index_of(document: m.Document) -> DocumentIndex:
        index = indexes.get(document.file)
        if index is None:
            index = indexes[document.file] = DocumentIndex(document)
        return index

    out: List[Located] = []
    for citation in citations(model):
        document = document_for(model.documents, citation.source.document)
        if document is not None:
            out.append(Located(citation, document, tuple(index_of(document).find(citation.source.quote))))
            continue
        for other in model.documents:
            matches = tuple(index_of(other).find(citation.source.quote))
            if matches:
                out.append(Located(citation, other, matches, cited=False))
                break
        else:
            out.append(Located(citation, None))
    return out


def uncited(model: m.PolicyModel) -> Iterator[Tuple[str, m.Rule, str, object]]:
    """(kind, rule, id, span) of each condition, criterion and class with no quote on itself or on its rule."""
    for rule in model.rules:
        if rule.source.quote.strip():
            continue
        roots = [rule.conditions] + ([rule.items.conditions] if rule.items is not None else [])
        for root in roots:
            for leaf in m.leaves(root):
                if leaf.source is None or not leaf.source.quote.strip():
                    yield "condition", rule, leaf.id, leaf.span
        for criterion in rule.criteria:
            if criterion.source is None or not criterion.source.quote.strip():
                yield "criterion", rule, criterion.id, criterion.span
        for klass in rule.classes:
            if klass.source is None or not klass.source.quote.strip():
                yield "class", rule, klass.id, klass.span


def nearest_passage(document: m.Document, quote: str, limit: int = 80) -> str:
    """The words of the document most like a quote that is not in it (for the hint of a diagnostic)."""
    folded_quote = "".join(quote_parts(quote, document.restorations))
    if not folded_quote:
        return ""
    folded, where = normalise(document.reading)
    matcher = difflib.SequenceMatcher(None, folded, folded_quote, autojunk=False)
    block = matcher.find_longest_match(0, len(folded), 0, len(folded_quote))
    if block.size == 0:
        return ""
    start = max(0, block.a - block.b)
    end = min(len(folded), start + len(folded_quote))
    text = document.reading[where[start]: where[end - 1] + 1]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
