"""Output files that appear only when complete.

An output file is written under a temporary name in its own folder
(``.NAME.<8 random characters>.partial``) and renamed over NAME with ``os.replace`` only when
everything was written, flushed and synced. An interrupted or failed run removes
the temporary file, so no file that looks complete is ever left; an existing NAME
stays as it was. Only a run killed outright (SIGKILL, a power cut) can leave a
temporary file, and its name says it is partial.

A NAME that is a symbolic link is written where the link points (the link stays a link), and a
NAME that exists and is no regular file (/dev/null, /dev/stdout, a named pipe) is written
straight through: renaming over it would replace the device or the pipe with a plain file.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Optional, Union

from ..errors import ClaimError, SubsidyRulesError

PARTIAL_SUFFIX = ".partial"
_SEQUENCE = itertools.count()
_BEGUN: "dict[int, AtomicFile]" = {}  # files begun and neither published nor removed, by their number
_open = open  # the one place temporary files are opened: tests put a full disk here


class OutputError(SubsidyRulesError):
    """An output file could not be written: an OSError (a full disk, a folder that cannot be
    written) with its ``errno``, or a limit of the format (``code``, a T-code with ``args``)."""

    def __init__(self, path: str, detail: str = "", errno_: Optional[int] = None, code: Optional[str] = None,
                 **args: Any) -> None:
        self.path = path
        self.detail = detail
        self.errno = errno_
        self.code = code
        self.args_ = args
        super().__init__(f"{path}: {detail or code}")

    def __reduce__(self):
        return (_rebuild_output_error, (self.path, self.detail, self.errno, self.code, self.args_))

    def reason(self, lang: str = "zh") -> str:
        """Why, without the path: the system's words for an OSError, or the format's limit."""
        if self.code:
            return ClaimError(self.code, "", **self.args_).message(lang)
        return self.detail

    def message(self, lang: str = "zh") -> str:
        return ClaimError("T009", "", detail=f"{self.path}: {self.reason(lang)}").message(lang)

    @classmethod
    def wrap(cls, path: Union[str, Path], exc: OSError) -> "OutputError":
        """The system's words for the error (pyarrow puts the errno only in its text)."""
        number = exc.errno
        if number is None:
            match = re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)
            number = int(match.group(1)) if match else None
        detail = (os.strerror(number) if number else "") or exc.strerror or str(exc)
        return cls(str(path), detail, number)


def _rebuild_output_error(path: str, detail: str, errno_: Optional[int], code: Optional[str], args: dict) -> OutputError:
    return OutputError(path, detail, errno_, code, **args)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFile:
    """A file written under a temporary name; ``commit`` publishes it, ``discard`` removes it.

    ``open_binary`` / ``open_text`` give the stream to write to. Every OSError of
    creating, committing (flush, fsync, rename) becomes an OutputError naming the
    final path; write errors are wrapped by the writers that own the stream.
    """

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        target = Path(os.path.realpath(self.path))  # through a symbolic link, to the file it names
        self.direct = _exists_unlike_a_file(target)
        if self.direct:
            self.temp = target
        else:
            folder = target.parent if str(target.parent) else Path(".")
            try:
                fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX, dir=folder)
            except OSError as exc:
                raise OutputError.wrap(self.path, exc) from None
            os.close(fd)
            self.temp = Path(temp)
        self.target = target
        self._stream: Optional[IO[Any]] = None
        self.done = False
        self.number = next(_SEQUENCE)
        self.thread = threading.get_ident()
        _BEGUN[self.number] = self

    def open_binary(self) -> IO[bytes]:
        self._stream = _open(self.temp, "wb")
        return self._stream

    def open_text(self, newline: str = "") -> IO[str]:
        self._stream = _open(self.temp, "w", encoding="utf-8", newline=newline)
        return self._stream

    def commit(self) -> None:
        """Flush, sync and rename over the final name (a device or a pipe: only close). Idempotent."""
        if self.done:
            return
        try:
            if self._stream is not None and not self._stream.closed:
                if not self.direct:
                    self._stream.flush()
                    os.fsync(self._stream.fileno())
                self._stream.close()
            if not self.direct:
                if self._stream is None:  # written by a library through the path: sync it by the path
                    fd = os.open(self.temp, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                os.chmod(self.temp, 0o666 & ~_umask())  # mkstemp makes 0600; a normal file is wanted
                os.replace(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError.wrap(self.path, exc) from None
        self.done = True
        _BEGUN.pop(self.number, None)

    def discard(self) -> None:
        """Close and remove the temporary file; never raises. Idempotent."""
        if self.done:
            return
        self.done = True
        _BEGUN.pop(self.number, None)
        if self._stream is not None:
            try:
                self._stream.close()
            except OSError:  # the close of a full disk flushes and fails again: the file goes anyway
                pass
        if self.direct:  # what was written to a device or a pipe cannot be taken back
            return
        try:
            os.unlink(self.temp)
        except OSError:
            pass


def written_through(path: Union[str, Path]) -> bool:
    """Whether an output to ``path`` is written straight to it (a device or a pipe), not published whole."""
    return _exists_unlike_a_file(Path(os.path.realpath(path)))


def _exists_unlike_a_file(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def next_number() -> int:
    """A number below that of every file begun after this call (for discard_begun_since)."""
    return next(_SEQUENCE)


def discard_begun_since(number: int) -> None:
    """Remove the files this thread began from ``number`` on and has neither published nor removed:
    a stop (Ctrl-C) between creating an output file and handing it to whoever would remove it."""
    me = threading.get_ident()
    for begun in [f for n, f in list(_BEGUN.items()) if n >= number and f.thread == me]:
        begun.discard()


def write_text(path: Union[str, Path], text: str) -> None:
    """A whole small text file (UTF-8), atomically: the old file or the new one, never half of it."""
    target = AtomicFile(path)
    try:
        stream = target.open_text()
        stream.write(text)
    except OSError as exc:
        target.discard()
        raise OutputError.wrap(path, exc) from None
    except BaseException:
        target.discard()
        raise
    target.commit()
