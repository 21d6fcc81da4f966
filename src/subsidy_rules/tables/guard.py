"""Stopping a run cleanly: Ctrl-C, SIGTERM and a failed write end with no file that looks
complete, one line on standard error saying how far the run got, and an exit code.

    outputs = Outputs()
    with terminate_raises():
        try:
            writer = outputs.add(open_writer(...))
            ... write ...
            outputs.close()
        except STOPS as exc:
            outputs.abort()
            err.write(stop_report(exc, outputs.files, records_done, writer.rows, lang))
            return stop_code(exc)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator, List, Optional, Sequence, TypeVar

from ..messages import table_word
from .atomic import OutputError, discard_begun_since, next_number, written_through

EXIT_OUTPUT = 4  # an output file could not be written
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT), 128 + 2 as shells report it
EXIT_TERMINATED = 143  # SIGTERM, 128 + 15


class Terminated(BaseException):
    """SIGTERM arrived (a BaseException, like KeyboardInterrupt: no `except Exception` swallows it)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        self.signum = signum
        super().__init__(signum)


STOPS = (KeyboardInterrupt, Terminated, OutputError)

W = TypeVar("W")


class Outputs:
    """The output files of one command, published together on success and all removed otherwise."""

    def __init__(self) -> None:
        self.writers: List[Any] = []
        self._first = next_number()  # files begun from now on are this command's

    def add(self, writer: W) -> W:
        self.writers.append(writer)
        return writer

    @property
    def files(self) -> List[str]:
        return [w.name for w in self.writers if getattr(w, "name", "")]

    def close(self) -> None:
        close_all(self.writers)

    def abort(self) -> None:
        abort_all(self.writers)
        discard_begun_since(self._first)  # one begun but stopped before it was added


def close_all(writers: Sequence[Any]) -> None:
    """Publish every file (each under its own name once all rows are written); on any failure, none."""
    try:
        for writer in writers:
            writer.close()
    except BaseException:
        abort_all(writers)
        raise


def abort_all(writers: Sequence[Any]) -> None:
    for writer in writers:
        try:
            writer.abort()
        except Exception:  # removing what was begun must never hide why the run stopped
            pass


_received: List[int] = []  # the SIGTERMs the handler below has raised Terminated for, this run


def interruption() -> BaseException:
    """What stopped a DuckDB statement that ended with InterruptException: DuckDB checks for signals
    while it runs and replaces the exception a handler raised with its own, so the SIGTERM the
    handler saw (exit 143) must be told from Ctrl-C (130) here."""
    return Terminated(_received[-1]) if _received else KeyboardInterrupt()


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        _received.append(signum)
        raise Terminated(signum)

    _received.clear()
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_code(exc: BaseException) -> int:
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    if isinstance(exc, Terminated):
        return 128 + int(exc.signum)
    return EXIT_INTERRUPTED


def stop_report(exc: BaseException, files: Sequence[str], records: int, rows: int, lang: str,
                folder: Optional[str] = None) -> str:
    """The line that says the run stopped, which files were not made, and how far it got.
    ``folder``: the files were the lists of this folder (`lists --out`). A device or a pipe among
    ``files`` was written straight through: its output is incomplete, not missing."""
    if isinstance(exc, OutputError):
        return table_word("failed-file", lang, path=exc.path, detail=exc.reason(lang), records=records, rows=rows) + "\n"
    if folder is not None:
        return table_word("interrupted-folder", lang, path=folder, records=records, rows=rows) + "\n"
    streamed = [name for name in files if written_through(name)]
    kept = [name for name in files if name not in streamed]
    lines = []
    if kept:
        lines.append(table_word("interrupted-file", lang, path=", ".join(kept), records=records, rows=rows))
    if streamed:
        lines.append(table_word("interrupted-stream", lang, path=", ".join(streamed), records=records, rows=rows))
    return "\n".join(lines or [table_word("interrupted-stdout", lang, records=records, rows=rows)]) + "\n"


__all__ = ["Outputs", "Terminated", "STOPS", "terminate_raises", "stop_code", "stop_report", "EXIT_OUTPUT",
           "EXIT_INTERRUPTED", "EXIT_TERMINATED"]
