"""The console command's first step. Importing the package takes about 0.3 s, and a Ctrl-C in
that time must stop the command like a Ctrl-C at any later moment: one line and exit code 130,
never a traceback. So this module imports nothing of the package until it is already guarding."""

from __future__ import annotations

import signal
import sys
from typing import Sequence


def main() -> int:
    try:
        from .cli import main as run

        code = run()
    except KeyboardInterrupt:  # before the command could catch it itself
        return _interrupted(sys.argv[1:])
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late Ctrl-C changes nothing
    except KeyboardInterrupt:
        pass
    return code


def _interrupted(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while the words are found
    from .messages import table_word
    from .tables.guard import EXIT_INTERRUPTED

    sys.stderr.write(table_word("interrupted", _asked_language(argv)) + "\n")
    sys.stderr.flush()
    return EXIT_INTERRUPTED


def _asked_language(argv: Sequence[str]) -> str:
    """The --lang the command line gave, read before the parser exists (zh if none, as there)."""
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv):
            return "en" if argv[index + 1] == "en" else "zh"
        if word.startswith("--lang="):
            return "en" if word == "--lang=en" else "zh"
    return "zh"
