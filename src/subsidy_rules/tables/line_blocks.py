"""JSON Lines as blocks of Arrow text, numbered as read_raw numbers them, for a reader that
checks lines in bulk (sql/run_json_lines.py).

A file is read as bytes, a block at a time, each block cut after a line end; the block's bytes
are the Arrow array's data as they are (no copy), its line starts the offsets. The lines are
read_raw's: split where a text stream with universal newlines splits them (``\\n``, ``\\r\\n``, a
lone ``\\r``), each text with its line end, a BOM at the start dropped, blank lines skipped but
counted. A block that is not UTF-8 throughout is read by read_raw itself, so its lines are
rejected (T010) or kept exactly as the Python engine reads them.
"""

from __future__ import annotations

import array
import io
import itertools
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, Sequence, Tuple

import attrs

from .. import model as m
from .readers import UNDECODED, read_raw
from .records import RawRecord

BLOCK = 32 * 1024 * 1024  # bytes read at a time (a longer line makes its block longer)
BOM = b"\xef\xbb\xbf"


@attrs.frozen
class LineBlock:
    """Numbered lines: ``numbers`` ascending, ``texts`` (an Arrow text array) the line of each
    ("" for a line read_raw rejects), ``record(n)`` the RawRecord read_raw gives line n."""

    numbers: Sequence[int]
    texts: Any
    record: Callable[[int], RawRecord]
    entity: Optional[str] = None


def record_blocks(records: Iterable[RawRecord], size: int, entity: Optional[str] = None) -> Iterator[LineBlock]:
    """RawRecords (read_raw's, from any stream; ``entity``: of `--entity`) in blocks of ``size``."""
    import pyarrow as pa

    batch: list = []
    for record in itertools.chain(records, [None]):
        if record is not None:
            batch.append(record)
            if len(batch) < size:
                continue
        if batch:
            numbers = [r.line for r in batch]
            texts = pa.array([r.text if r.text is not None else "" for r in batch], pa.string())
            yield LineBlock(numbers, texts, dict(zip(numbers, batch)).__getitem__, entity or batch[0].entity)
            batch = []


class FileBlocks:
    """The blocks of a JSON Lines file; ``tell()`` is how far it has been read (for progress)."""

    def __init__(self, stream: BinaryIO, schema: m.FactSchema, entity: Optional[str] = None,
                 block: int = BLOCK) -> None:
        self.stream, self.schema, self.entity, self.block = stream, schema, entity, block
        self.entities = tuple(schema.entities)
        self.read = 0

    def tell(self) -> int:
        return self.read

    def __iter__(self) -> Iterator[LineBlock]:
        rest, base, first = b"", 0, True
        while True:
            data = self.stream.read(self.block)
            self.read += len(data)
            data, end = rest + data, not data
            if first:
                if len(data) < len(BOM) and not end:
                    rest = data  # too short yet to say whether it begins with a BOM
                    continue
                data, first = (data[len(BOM):] if data.startswith(BOM) else data), False
            cut = len(data) if end else _last_line_end(data)
            if cut == 0 and not end:
                rest = data  # no line ends yet: read on
                continue
            text, rest = data[:cut], data[cut:]
            if text:
                found = self._block(text, base)
                base = found[1]
                if found[0] is not None:
                    yield found[0]
            if end:
                return

    def _block(self, data: bytes, base: int):
        """(the block of ``data``, whose first line is line base + 1, or None; the last line's number)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        starts = _line_starts(data)  # the lines are the block's bytes between their starts
        count = len(starts) - 1
        texts = pa.Array.from_buffers(pa.large_string(), count, [None, pa.py_buffer(starts), pa.py_buffer(data)])
        try:
            texts.validate(full=True)  # UTF-8 throughout
        except pa.ArrowInvalid:
            return self._decoded(data, base), base + count
        # a line that begins with "{" has text; only the others are looked at one by one
        others = pc.indices_nonzero(pc.invert(pc.starts_with(texts, "{"))).to_pylist()
        blank = [index for index in others if not _has_text(data[starts[index]:starts[index + 1]])]
        numbers = array.array("q", range(base + 1, base + count + 1))
        if blank:
            keep = [True] * count
            for index in blank:
                keep[index] = False
            mask = pa.array(keep, pa.bool_())
            texts = texts.filter(mask)
            numbers = array.array("q", (n for n, k in zip(numbers, keep) if k))
        if not numbers:
            return None, base + count
        entity, entities = self.entity, self.entities

        def record(number: int) -> RawRecord:
            index = number - base - 1
            text = data[starts[index]:starts[index + 1]].decode("utf-8")
            return RawRecord(number, text=text, entity=entity, entities=entities)

        return LineBlock(numbers, texts, record, entity), base + count

    def _decoded(self, data: bytes, base: int) -> Optional[LineBlock]:
        """A block holding bytes that are not UTF-8: its lines as read_raw reads them."""
        stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors=UNDECODED, newline="")
        found = [attrs.evolve(r, line=r.line + base) for r in read_raw(stream, "jsonl", self.schema, self.entity)]
        return next(record_blocks(found, len(found), self.entity), None) if found else None


def utf8_buffers(texts: Any) -> Tuple[Any, memoryview]:
    """An Arrow text array's offsets (from its first row) and its UTF-8 bytes, without copying."""
    import pyarrow as pa

    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())  # another layout (a string view): one copy
    _, offsets, data = texts.buffers()
    wide = pa.types.is_large_string(texts.type)
    offsets = memoryview(offsets).cast("q" if wide else "i")[texts.offset:texts.offset + len(texts) + 1]
    return offsets, memoryview(data) if data is not None else memoryview(b"")


def _line_starts(data: bytes) -> Any:
    """Where each line of ``data`` starts, then where the last ends: as ``data.splitlines(keepends=True)``
    cuts it. Without a ``\\r`` only ``\\n`` ends a line, and a scan for it is faster than a list of the
    lines (45,000 copies of them) by half."""
    if b"\r" in data:
        return array.array("q", itertools.accumulate(map(len, data.splitlines(keepends=True)), initial=0))
    starts = array.array("q", [0])
    find, add = data.find, starts.append
    end = find(b"\n")
    while end >= 0:
        add(end + 1)
        end = find(b"\n", end + 1)
    if starts[-1] != len(data):
        add(len(data))  # the last line has no line end
    return starts


def _last_line_end(data: bytes) -> int:
    """Where the last whole line of ``data`` ends (0: none). A ``\\r`` at the very end may be the
    first half of ``\\r\\n``: the line it ends waits for the next read."""
    newline = data.rfind(b"\n")
    ret = data.rfind(b"\r", 0, len(data) - 1)
    return max(newline, ret) + 1


def _has_text(line: bytes) -> bool:
    """Not blank as read_raw sees it (``str.strip`` takes Unicode spaces too)."""
    try:
        return bool(line.decode("utf-8").strip())
    except UnicodeDecodeError:
        return True  # the block is decoded by read_raw
