"""Source text, spans, and YAML loading that keeps every value's position.

PyYAML's composer gives nodes with marks; we turn them into small node objects
(YMap, YSeq, YScalar) that keep a Span, reject duplicate keys and aliases, and
can map an offset inside a scalar's value back to a line and column of the file
(block scalars, folded plain scalars and quoted scalars included).
"""

from __future__ import annotations

import bisect
import datetime as _dt
from pathlib import Path as _FsPath
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import attrs
import yaml
import yaml.reader
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NODES = 200_000
MAX_YAML_DEPTH = 64
MAX_INT_BITS = 4096  # far past any real number, and well inside what str() of an int allows
MAX_EXPONENT = 1000  # the same for decimals (1.0e+999999999 would overflow any arithmetic)


@attrs.frozen(eq=False)
class SourceFile:
    """A file's name as shown to the user and its text, for quoting lines in errors."""

    name: str
    text: str
    _starts: Tuple[int, ...] = attrs.field(init=False, repr=False)

    @_starts.default
    def _compute_starts(self) -> Tuple[int, ...]:
        starts = [0]
        for index, char in enumerate(self.text):
            if char == "\n":
                starts.append(index + 1)
        return tuple(starts)

    @property
    def lines(self) -> List[str]:
        return self.text.splitlines()

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self._starts):
            start = self._starts[line - 1]
            end = self.text.find("\n", start)
            return self.text[start:] if end < 0 else self.text[start:end]
        return ""

    def position(self, index: int) -> Tuple[int, int]:
        """1-based (line, column) of a character index."""
        starts = self._starts
        line = bisect.bisect_right(starts, index) - 1
        return line + 1, index - starts[line] + 1


@attrs.frozen
class Span:
    """Where something is: file name, 1-based line and column, and where it ends."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0
    source: Optional[SourceFile] = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlProblem(Exception):
    """Raised inside this module only; the loader turns it into a diagnostic."""

    def __init__(self, code: str, span: Span, **args: Any) -> None:
        super().__init__(code)
        self.code = code
        self.span = span
        self.args_ = args


@attrs.frozen(eq=False)
class YNode:
    span: Span


@attrs.frozen(eq=False)
class YScalar(YNode):
    value: Any
    raw: str
    style: Optional[str]
    start_index: int
    end_index: int
    # the greedy alignment of _file_index, computed once: the parser asks for a span per AST node
    _aligned: List[int] = attrs.field(init=False, factory=list, repr=False)

    def offset_span(self, start: int, end: Optional[int] = None) -> Span:
        """The file span of characters [start, end) of this scalar's string value."""
        begin = self._file_index(start)
        # the end is one past the file position of the last character in the range (the range's
        # own end may lie past the scalar, where _file_index clamps to the last character)
        finish = self._file_index(end - 1) + 1 if end is not None and end > start else begin + 1
        source = self.span.source
        if source is None:
            return self.span
        line, column = source.position(begin)
        end_line, end_column = source.position(max(begin, finish - 1))
        return Span(self.span.file, line, column, end_line, end_column + 1, source)

    def _file_index(self, offset: int) -> int:
        """Align the value's characters with the file's raw text, greedily.

        Works for plain (also folded over lines), literal ``|`` and quoted scalars
        without escapes; with escapes the column may be off by the escape's width.
        """
        source = self.span.source
        if source is None or not isinstance(self.value, str):
            return self.start_index
        text = source.text
        value = self.value
        raw_pos = self.start_index
        if self.style in ("'", '"'):
            raw_pos += 1
        elif self.style in ("|", ">"):
            newline = text.find("\n", raw_pos)
            raw_pos = newline + 1 if newline >= 0 else raw_pos
        end = max(self.end_index, raw_pos)
        if not self._aligned:
            self._aligned[:] = _align(text, value, raw_pos, end)
        raw_pos = self._aligned[min(offset, len(value))]
        while raw_pos < end and text[raw_pos] in " \t\r\n" and offset < len(value) and value[offset] not in " \n":
            raw_pos += 1
        return min(raw_pos, max(end - 1, self.start_index))


def _align(text: str, value: str, raw_pos: int, end: int) -> List[int]:
    """raw_pos after each prefix of ``value`` (len(value) + 1 entries), matched greedily in ``text``."""
    positions = [raw_pos]
    for index, char in enumerate(value):
        if char in " \n":
            # folded or block whitespace: skip any run of blanks in the raw text
            while raw_pos < end and text[raw_pos] in " \t\r\n":
                raw_pos += 1
                if char == " " and index + 1 < len(value) and value[index + 1] != " ":
                    break
        else:
            while raw_pos < end and text[raw_pos] != char:
                raw_pos += 1
            raw_pos += 1
        positions.append(raw_pos)
    return positions


@attrs.frozen(eq=False)
class YSeq(YNode):
    items: Tuple[YNode, ...]


@attrs.frozen(eq=False)
class YMap(YNode):
    entries: Tuple[Tuple[YScalar, YNode], ...]

    def keys(self) -> List[str]:
        return [str(key.value) for key, _ in self.entries]

    def get(self, key: str) -> Optional[YNode]:
        for k, v in self.entries:
            if k.value == key:
                return v
        return None

    def key_node(self, key: str) -> Optional[YScalar]:
        for k, _ in self.entries:
            if k.value == key:
                return k
        return None

    def __iter__(self) -> Iterator[Tuple[YScalar, YNode]]:
        return iter(self.entries)


def _span_of(node: Any, source: SourceFile) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(source.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1, source)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader whose composer refuses aliases (no alias bombs, no surprises)."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark)
        # PyYAML composes recursively: stop deep nesting here, before Python's recursion limit
        if self._depth > MAX_YAML_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)
        # and count while composing: a flat list of millions of items stops here, not after it is built
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooMany(self.peek_event().start_mark)
        self._depth += 1
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


class _AliasFound(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("alias")
        self.mark = mark


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


class _TooMany(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too many nodes")
        self.mark = mark


def decode_source(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (BOM tolerated), CRLF folded; anything else a clear problem."""
    if len(data) > MAX_FILE_BYTES:
        raise YamlProblem("E007", Span(name, 1, 1), size=len(data), limit=MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        raise YamlProblem("E006", Span(name, line, column), byte=f"0x{data[exc.start]:02x}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Union[str, _FsPath], display: Optional[str] = None) -> SourceFile:
    file_path = _FsPath(path)
    name = display or str(path)
    return SourceFile(name, decode_source(file_path.read_bytes(), name))


_FAST = getattr(yaml, "__with_libyaml__", False)


def parse_yaml(source: SourceFile) -> Optional[YNode]:
    """Compose one YAML document into position-keeping nodes (None for an empty file).

    Uses libyaml when PyYAML has it (about ten times faster; same marks), else the
    pure-Python composer. Either way aliases are refused: libyaml hands back the
    anchored node again, which _convert notices by identity.
    """
    if _FAST:
        return _parse_fast(source)
    return _parse_pure(source)


def _parse_fast(source: SourceFile) -> Optional[YNode]:
    # libyaml composes recursively in C (a flow nesting some 50,000 deep overflows the C stack)
    # and builds every node before _convert counts them: walk the event stream first, refusing
    # aliases, deep nesting and too many nodes where they occur, as the pure composer does
    events = yaml.CSafeLoader(source.text)
    depth = nodes = 0
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, NodeEvent):
                mark = event.start_mark
                where = Span(source.name, mark.line + 1, mark.column + 1, source=source)
                if isinstance(event, AliasEvent):
                    raise YamlProblem("E003", where)
                if depth > MAX_YAML_DEPTH:
                    raise YamlProblem("E009", where, limit=MAX_YAML_DEPTH)
                nodes += 1
                if nodes > MAX_NODES:
                    raise YamlProblem("E008", where, limit=MAX_NODES)
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass  # reported with its position by the composing pass below
    finally:
        events.dispose()
    loader = yaml.CSafeLoader(source.text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
            if "nesting depth" in detail:  # newer libyaml has its own limit: say it as we do
                raise YamlProblem("E009", Span(source.name, line, column, source=source), limit=MAX_YAML_DEPTH) from None
            raise syntax_problem(source, exc) from None
        except yaml.YAMLError as exc:
            position = getattr(exc, "position", None)
            if isinstance(position, int):  # libyaml counts bytes of UTF-8, not characters
                position = len(source.text.encode("utf-8")[:position].decode("utf-8", "ignore"))
            line, column = source.position(min(position, len(source.text))) if isinstance(position, int) else (1, 1)
            raise YamlProblem("E001", Span(source.name, line, column, source=source), detail=str(exc)) from None
        if root is None:
            return None
        return _convert(root, source, loader, [0], 0, set())
    finally:
        loader.dispose()


def _parse_pure(source: SourceFile) -> Optional[YNode]:
    try:
        loader = _StrictLoader(source.text)
    except yaml.reader.ReaderError as exc:
        line, column = source.position(min(exc.position, len(source.text)))
        raise YamlProblem("E001", Span(source.name, line, column, source=source),
                          detail=f"character {exc.character!r} is not allowed in YAML") from None
    try:
        try:
            root = loader.get_single_node()
        except _AliasFound as found:
            mark = found.mark
            raise YamlProblem(
                "E003", Span(source.name, mark.line + 1, mark.column + 1, source=source)
            ) from None
        except _TooDeep as found:
            mark = found.mark
            raise YamlProblem(
                "E009", Span(source.name, mark.line + 1, mark.column + 1, source=source), limit=MAX_YAML_DEPTH
            ) from None
        except _TooMany as found:
            mark = found.mark
            raise YamlProblem(
                "E008", Span(source.name, mark.line + 1, mark.column + 1, source=source), limit=MAX_NODES
            ) from None
        except yaml.MarkedYAMLError as exc:
            raise syntax_problem(source, exc) from None
        except yaml.YAMLError as exc:
            raise YamlProblem("E001", Span(source.name, 1, 1, source=source), detail=str(exc)) from None
        if root is None:
            return None
        counter = [0]
        return _convert(root, source, loader, counter, 0)
    finally:
        loader.dispose()


# ------------------------------------------------------------------ YAML syntax errors that name the fix

# the parser's words for a problem -> what a policy clerk reads, in Chinese and in English
_YAML_WORDS: Tuple[Tuple[str, str, str], ...] = (
    ("could not find expected ':'", "这一行的键后面找不到半角冒号 “:”(写成 键: 值,冒号后加一个空格)",
     "this line's key has no ':' after it (write key: value, with a space after the colon)"),
    ("mapping values are not allowed", "这里不能出现 “键: 值”:检查缩进;文字中含有 “: ” 时请给整段文字加引号",
     "a 'key: value' cannot stand here: check the indentation; quote a text that holds ': '"),
    ("did not find expected ',' or '}'", "花括号 { } 里缺少半角逗号 “,” 或右花括号 “}”;含逗号的文字请加引号",
     "inside { } a ',' or the closing '}' is missing; quote a text that holds a comma"),
    ("did not find expected ',' or ']'", "方括号 [ ] 里缺少半角逗号 “,” 或右方括号 “]”",
     "inside [ ] a ',' or the closing ']' is missing"),
    ("did not find expected key", "缩进对不齐:同一层的键必须从同一列开始",
     "the indentation does not line up: keys of one level start in the same column"),
    ("did not find expected '-' indicator", "列表项缩进对不齐:同一列表的 “- ” 必须从同一列开始",
     "the list items do not line up: every '- ' of one list starts in the same column"),
    ("expected <block end>", "缩进对不齐:这一行比上面同一层的内容缩进得多或少",
     "the indentation does not line up: this line is indented more or less than the level above"),
    ("found unexpected end of stream", "文件在引号或括号闭合之前就结束了:检查引号和括号是否成对",
     "the file ends before a quote or bracket is closed: check that quotes and brackets pair up"),
    ("found unknown escape character", "双引号里的反斜杠 “\\” 后面的字符无效:请改用单引号,或写成 “\\\\”",
     "a backslash '\\' in double quotes is followed by a character it cannot escape: use single quotes, or write '\\\\'"),
    ("cannot start any token", "这里有一个不能出现在 YAML 里的字符(如 @ 或 ` 开头的文字):请给这段文字加引号",
     "a text here starts with a character YAML does not allow there (such as @ or `): put the text in quotes"),
    ("found character", "这里有一个不能出现在 YAML 里的字符:请给这段文字加引号",
     "a character here is one YAML does not allow there: put the text in quotes"),
)

# full-width punctuation that breaks YAML structure or an expression, and its half-width form
FULL_WIDTH = {"：": ":", "，": ",", "＞": ">", "＜": "<", "＝": "=", "！": "!", "（": "(", "）": ")",
              "［": "[", "］": "]", "｛": "{", "｝": "}", "＋": "+", "－": "-", "＊": "*", "／": "/",
              "“": "\"", "”": "\"", "‘": "'", "’": "'", "≥": ">=", "≤": "<=", "≠": "!="}


def syntax_problem(source: SourceFile, exc: "yaml.MarkedYAMLError") -> YamlProblem:
    """A parser's syntax error as a problem a clerk can fix, on the line that has the mistake.

    A tab used for indentation and full-width punctuation (：，) are the usual causes, and the
    parser reports both on a later line; they are found in the text and named, with the fix.
    """
    problem, context = str(exc.problem or ""), str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    if "simple key" in context and exc.context_mark is not None:
        mark = exc.context_mark  # the key that lacks its ':' is where the mistake is, not the next line
    line = mark.line + 1 if mark else 1
    tab = _tab_indent(source, (exc.problem_mark.line + 1) if exc.problem_mark else line)
    if tab is not None:
        return YamlProblem("E072", Span(source.name, tab[0], tab[1], tab[0], tab[1] + 1, source))
    wide = _full_width_near(source, (exc.problem_mark.line + 1) if exc.problem_mark else line)
    if wide is not None:
        at_line, at_column, char = wide
        return YamlProblem("E073", Span(source.name, at_line, at_column, at_line, at_column + 1, source),
                           found=char, fix=FULL_WIDTH[char])
    column = mark.column + 1 if mark else 1
    english = " ".join(part for part in (context, problem) if part)
    zh, en = next(((zh, en) for key, zh, en in _YAML_WORDS if key in problem or key in english), (english, english))
    from .messages import Word  # messages.py imports nothing from here: no cycle

    return YamlProblem("E001", Span(source.name, line, column, source=source), detail=Word(zh, en))


def _tab_indent(source: SourceFile, upto: int) -> Optional[Tuple[int, int]]:
    """The first line at or before ``upto`` indented with a tab: (line, column of the tab)."""
    for number, text in enumerate(source.text.split("\n")[: max(upto, 1)], 1):
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in indent and text.strip():
            return number, indent.index("\t") + 1
    return None


def _full_width_near(source: SourceFile, line: int, before: int = 3) -> Optional[Tuple[int, int, str]]:
    """Full-width punctuation outside quotes on the problem line or the few lines before it."""
    lines = source.text.split("\n")
    for number in range(min(line, len(lines)), max(line - before, 1) - 1, -1):
        text = lines[number - 1]
        found = full_width_outside_quotes(text, ("：", "［", "］", "｛", "｝"))
        comma = full_width_outside_quotes(text, ("，",))
        if comma is not None and ("{" in text[: comma[0]] or "[" in text[: comma[0]]):
            found = comma if found is None or comma[0] < found[0] else found  # a comma breaks only { } and [ ]
        if found is not None:
            return number, found[0] + 1, found[1]
    return None


def full_width_outside_quotes(text: str, chars) -> Optional[Tuple[int, str]]:
    """(index, char) of the first of ``chars`` not inside '…' or "…" quotes (nor after a #)."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return None
        elif char in chars:
            return index, char
    return None


def _convert(node: Any, source: SourceFile, loader: Any, counter: List[int], level: int,
             visited: Optional[set] = None) -> YNode:
    counter[0] += 1
    span = _span_of(node, source)
    if visited is not None:
        if id(node) in visited:  # the same node again: an alias
            raise YamlProblem("E003", span)
        visited.add(id(node))
    if counter[0] > MAX_NODES:
        raise YamlProblem("E008", span, limit=MAX_NODES)
    if level > MAX_YAML_DEPTH:
        raise YamlProblem("E009", span, limit=MAX_YAML_DEPTH)
    if isinstance(node, ScalarNode):
        return _scalar(node, source, loader, span)
    if isinstance(node, SequenceNode):
        return YSeq(span, tuple(_convert(item, source, loader, counter, level + 1, visited) for item in node.value))
    if isinstance(node, MappingNode):
        seen: Dict[Any, Span] = {}
        entries = []
        for key_node, value_node in node.value:
            key = _convert(key_node, source, loader, counter, level + 1, visited)
            if not isinstance(key, YScalar):
                raise YamlProblem("E004", key.span)
            hashable = key.value if not isinstance(key.value, (list, dict)) else repr(key.value)
            if hashable in seen:
                first = seen[hashable]
                raise YamlProblem("E002", key.span, key=key.value, first=f"{first.line}:{first.column}")
            seen[hashable] = key.span
            entries.append((key, _convert(value_node, source, loader, counter, level + 1, visited)))
        return YMap(span, tuple(entries))
    raise YamlProblem("E001", span, detail="unsupported node")  # pragma: no cover


def _scalar(node: ScalarNode, source: SourceFile, loader: yaml.SafeLoader, span: Span) -> YScalar:
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:
        # e.g. 2017-02-30 resolves as a timestamp and fails to construct: kept as the text written,
        # which the reader of a date refuses where it expects one (E013, C001), and the rest of the
        # file is still read, so every other problem in it is reported in the same run
        if node.tag.endswith(":timestamp"):
            return YScalar(span, node.value, node.value, node.style or None, node.start_mark.index, node.end_mark.index)
        # an integer past Python's digit limit (int("9" * 100_000)): a number, not a date
        raise YamlProblem("E038", span, value=_shorten(node.value)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("E001", span, detail=str(exc)) from None
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        # 0x or 0b digits are not held to Python's digit limit, but str() of the result is
        raise YamlProblem("E038", span, value=_shorten(node.value))
    if isinstance(value, _dt.datetime):
        value = value  # kept: the loader rejects datetimes where dates are expected
    if isinstance(value, float):
        # Decimal semantics everywhere: keep the text the author wrote
        from decimal import Decimal, InvalidOperation

        try:
            value = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            raise YamlProblem("E014", span, value=node.value) from None
        if not value.is_finite():
            raise YamlProblem("E014", span, value=node.value)
        if value and abs(value.adjusted()) > MAX_EXPONENT:
            # 1.0e+999999999 is a finite Decimal, but abs() or any sum of it overflows the context
            raise YamlProblem("E038" if value.adjusted() > 0 else "E014", span, value=_shorten(node.value))
    return YScalar(span, value, node.value, node.style or None, node.start_mark.index, node.end_mark.index)


def _shorten(text: str) -> str:
    return text if len(text) <= 24 else text[:24] + "…"


def plain(node: Optional[YNode]) -> Any:
    """The node as plain Python data (for values that need no positions)."""
    if node is None:
        return None
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    if isinstance(node, YMap):
        return {key.value: plain(value) for key, value in node.entries}
    raise TypeError(node)  # pragma: no cover
