"""Shared helpers of the adversarial tests (imported by name: pytest puts this folder on sys.path).

``bounded`` runs one call in a forked child process with a wall-clock limit and an
address-space limit, so a hang, a runaway allocation or a crash of the interpreter
(a C stack overflow in a YAML library, say) fails the test cleanly instead of
hanging or killing the whole run. What the call returned or raised comes back to
the parent: our errors pickle (see errors.py), so tests can ``pytest.raises`` them.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import shutil
import time
import traceback
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest

import subsidy_rules
from subsidy_rules.errors import Diagnostic

TESTS = Path(__file__).resolve().parent.parent
MINI = TESTS / "fixtures" / "mini"
REPO = TESTS.parent
EXAMPLES = REPO / "examples" / "claims"
MINI_RULE = (MINI / "rules" / "w1.yaml").read_text(encoding="utf-8")
LOCATED = r"^.+\.yaml:\d+:\d+$"  # file:line:column


def _warm_up() -> None:
    """Build the expression parser and import every lazily imported module once, here, so the
    forked children inherit them instead of each paying for them."""
    from subsidy_rules.cli import build_parser
    from subsidy_rules.expr.parser import build_parser as expression_parser

    expression_parser()
    build_parser()
    policy, _ = subsidy_rules.check_policy(MINI)
    assert policy is not None
    from subsidy_rules import explain  # noqa: F401


_warm_up()


class Crashed(Exception):
    """The child process died without answering (a signal, os._exit, ...)."""


def _vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def bounded(fn: Callable[..., Any], *args: Any, seconds: float = 5.0, memory_mb: int = 1024, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) in a forked child, at most ``seconds`` of wall-clock time and
    ``memory_mb`` more address space than the parent has. Returns its result or re-raises
    its exception; fails the test on a hang; raises Crashed when the child dies."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = _vm_bytes() + memory_mb * 1024 * 1024
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        except (ValueError, OSError):  # pragma: no cover - no limits on this platform
            pass
        try:
            answer: Tuple[Any, ...] = ("ok", fn(*args, **kwargs), "")
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            answer = ("raised", exc, traceback.format_exc())
        try:
            send.send(answer)
        except Exception:  # an answer that does not pickle: send its text
            send.send(("unpicklable", repr(answer[1])[:2000], answer[2]))
        send.close()
        os._exit(0)

    started = time.monotonic()
    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(seconds):
            process.kill()
            process.join(5)
            pytest.fail(f"{getattr(fn, '__name__', fn)} did not finish within {seconds} s (hang or runaway work)")
        try:
            kind, value, trace = receive.recv()
        except EOFError:
            process.join(5)
            raise Crashed(f"the child process died with exit code {process.exitcode}") from None
    finally:
        receive.close()
        process.join(5)
        if process.is_alive():  # pragma: no cover
            process.kill()
    elapsed = time.monotonic() - started
    if kind == "ok":
        return value
    if kind == "unpicklable":
        raise AssertionError(f"the call failed with an unpicklable result {value}\n{trace}")
    if not isinstance(value, subsidy_rules.SubsidyRulesError):
        # a foreign exception: show where it came from in the child
        value.add_note(f"(raised in the bounded child after {elapsed:.2f} s)\n{trace}")
    raise value


# ------------------------------------------------------------------ policies and diagnostics


def mini_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(MINI, target)
    return target


def check_dir(directory: Path) -> Tuple[bool, List[Diagnostic]]:
    """check_policy, reduced to what pickles: (ok, diagnostics). A refused policy must also
    make load_policy raise PolicyError with the same diagnostics."""
    policy, diagnostics = subsidy_rules.check_policy(directory)
    for diagnostic in diagnostics:  # rendering must not fail either
        diagnostic.format("zh")
        diagnostic.format("en")
        diagnostic.to_dict("en")
    if policy is None:
        try:
            subsidy_rules.load_policy(directory)
        except subsidy_rules.PolicyError as exc:
            assert [d.code for d in exc.diagnostics] == [d.code for d in diagnostics]
            exc.message("zh")
        else:
            raise AssertionError("load_policy accepted a policy that check_policy refused")
    return policy is not None, diagnostics


def errors_of(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def the_error(diagnostics: List[Diagnostic], code: str) -> Diagnostic:
    """The diagnostic with this code; fails listing them all if there is none."""
    found = [d for d in diagnostics if d.code == code]
    assert found, f"no {code} among:\n" + "\n".join(d.format("en") for d in diagnostics)
    return found[0]


def assert_located(diagnostic: Diagnostic, file_name: str) -> None:
    """A file:line:column position in the named file, with sane numbers."""
    span = diagnostic.span
    assert Path(span.file).name == file_name, str(span)
    assert span.line >= 1 and span.column >= 1, str(span)
    head = diagnostic.format("en").splitlines()[0]
    assert head.startswith(f"{span.file}:{span.line}:{span.column}: error[{diagnostic.code}]"), head


# ------------------------------------------------------------------ the command line


def run_cli(*argv: str, stdin: Optional[str] = None) -> Tuple[int, str, str]:
    """main() in-process; returns (exit code, stdout, stderr)."""
    import sys

    from subsidy_rules.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main([str(a) for a in argv], stdout=out, stderr=err)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def assert_clean_failure(result: Tuple[int, str, str], *needles: str) -> str:
    """Exit 2, no traceback, no 'internal error'; every needle in stderr. Returns stderr."""
    code, out, err = result
    assert "Traceback" not in err and "Traceback" not in out, err
    assert "internal error" not in err, err
    assert code == 2, (code, out[-2000:], err[-2000:])
    for needle in needles:
        assert needle in err, f"{needle!r} not in stderr:\n{err[-3000:]}"
    return err
