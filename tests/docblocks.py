"""Run the documentation's code blocks and compare what they print with what the doc shows.

Conventions (also in docs/decisions.md, "Docs that run"):

* Which blocks run. A fenced block tagged ``sh``, ``bash``, ``shell``, ``console`` or
  ``python`` runs. A ``text`` block (or a ``sh``/``console`` block) whose first line starts
  with ``$ `` is a *transcript*: each ``$ `` line is a command (a trailing ``\\`` continues it,
  ``<<'EOF'`` takes the lines up to ``EOF``), the lines under it are what it prints.
* Shown output of a block that is not a transcript: the ``text`` block right after it (only
  blank lines between). A block with no shown output must succeed (exit 0; shell blocks run
  under ``bash -e``). Exit codes are not compared otherwise.
* Where it runs. Each Markdown file gets a fresh copy of the checkout (the files git knows,
  as they are in the work tree) and its blocks run in order in that copy, so a later block
  may use a file an earlier one made; a Python block runs in a process of its own (its
  imports and data are its own). ``/tmp/`` in commands and file paths is a fresh folder of
  that file's run. ``subsidy-rules`` is this checkout's code: a plain ``subsidy-rules ARGS``
  command runs ``subsidy_rules.cli.main`` in-process (fast), anything else runs in bash with
  ``subsidy-rules``, ``python`` and ``pytest`` on PATH resolving to ``python -m subsidy_rules``,
  this interpreter and its pytest and PYTHONPATH at the copy's ``src``.
* Comparing. Both sides are normalised: a policy digest ``sha256:<hex>`` reads
  ``sha256:…``, the run's temporary folder reads ``/tmp``, the copy's own folder reads
  ``…`` (so a doc shows ``…/policy``), trailing spaces and blank lines at the end are
  dropped. In the doc, a line that is only ``…`` stands for any number of lines (also
  none) and a ``…`` inside a line for any text on that line.
* Markers: an HTML comment right before a block (blank lines between are fine):

  - ``<!-- doc-test: skip (reason) -->`` the block is an illustration (a server that never
    returns, a request to a live server, pip install); reported as skipped with the reason;
  - ``<!-- doc-test: write PATH -->`` the reader is told to create PATH with this content;
  - ``<!-- doc-test: append PATH -->`` the reader is told to add this at the end of PATH;
  - ``<!-- doc-test: replace PATH -->`` the reader is told to change the previous block's
    text ("before") in PATH into this block's text ("after");

  and, on its own where the prose tells the reader to edit a file by hand,
  ``<!-- doc-test: edit PATH "OLD" "NEW" -->`` (JSON strings): every OLD in PATH becomes NEW;
  ``<!-- doc-test: copy SRC DST -->``: DST becomes a fresh copy of the file or folder SRC (where the
  prose says each example starts from a fresh copy).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import attrs

RUNNABLE = {"sh", "bash", "shell", "console", "python"}
SHELLS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<body>.*?)\s*-->\s*$")
EDIT = re.compile(r'^edit\s+(\S+)\s+("(?:[^"\\]|\\.)*")\s+("(?:[^"\\]|\\.)*")$')
DIGEST = re.compile(r"sha256:[0-9a-f]{6,64}")
SHELL_META = set("|&;<>()$`*?[]{}~'\"\\\n")
TIMEOUT = 60


@attrs.frozen
class Fence:
    """One fenced block of a Markdown file, with the marker written right before it."""

    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: Optional[str]
    blank_after: bool  # only blank lines until the next fence


@attrs.frozen
class Step:
    """One thing the harness does: run a block, or make a file edit the doc describes."""

    path: str
    line: int
    kind: str  # shell | python | transcript | write | append | replace | edit | copy | skip
    text: str = ""
    expected: Optional[str] = None
    target: str = ""
    before: str = ""
    reason: str = ""
    output_line: int = 0  # the fence line of the block showing the output (a transcript: its own)

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


@attrs.frozen
class Outcome:
    """What running one step gave: ok, or a message saying what differed."""

    ok: bool
    message: str = ""


def read_fences(text: str) -> Tuple[List[Fence], List[Tuple[int, str]]]:
    """The fenced blocks, and the markers that stand on their own (edit markers)."""
    lines = text.split("\n")
    fences: List[Fence] = []
    loose: List[Tuple[int, str]] = []
    pending: Optional[Tuple[int, str]] = None
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        mk = MARKER.match(lines[i])
        if mk:
            if pending is not None:
                loose.append(pending)
            pending = (i + 1, mk.group("body"))
            if pending[1].startswith(("edit ", "copy ")):  # an edit stands on its own
                loose.append(pending)
                pending = None
            i += 1
            continue
        if not m:
            if lines[i].strip() and pending is not None:
                loose.append(pending)
                pending = None
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info").strip()
        body: List[str] = []
        j = i + 1
        while j < len(lines):
            close = lines[j]
            if close.strip() == fence[0] * len(fence) or (close.strip().startswith(fence) and not close.strip().strip(fence[0])):
                break
            body.append(close[len(indent):] if close.startswith(indent) else close.lstrip())
            j += 1
        k = j + 1
        while k < len(lines) and not lines[k].strip():
            k += 1
        blank_after = k < len(lines) and bool(FENCE.match(lines[k]))
        lang = info.split()[0].lower() if info else ""
        fences.append(Fence(i + 1, lang, "\n".join(body) + "\n", pending[1] if pending else None, blank_after))
        pending = None
        i = j + 1
    if pending is not None:
        loose.append(pending)
    return fences, loose


def is_transcript(fence: Fence) -> bool:
    first = next((ln for ln in fence.text.split("\n") if ln.strip()), "")
    return fence.lang in SHELLS | {"text", ""} and first.startswith("$ ")


def steps_of(path: Path, root: Path) -> List[Step]:
    """Everything the harness does for one Markdown file, in the order of the file."""
    rel = path.relative_to(root).as_posix()
    fences, loose = read_fences(path.read_text(encoding="utf-8"))
    steps: List[Tuple[int, Step]] = []
    for line, body in loose:
        if body.startswith("copy "):
            src, dst = body.split()[1:3]
            steps.append((line, Step(rel, line, "copy", target=dst, before=src)))
            continue
        m = EDIT.match(body)
        if not m:
            raise ValueError(f"{rel}:{line}: doc-test marker with no block after it: {body}")
        old, new = json.loads(m.group(2)), json.loads(m.group(3))
        steps.append((line, Step(rel, line, "edit", target=m.group(1), before=old, text=new)))
    for n, fence in enumerate(fences):
        marker = fence.marker or ""
        word, _, rest = marker.partition(" ")
        if word == "skip":
            if fence.lang in RUNNABLE or is_transcript(fence):
                steps.append((fence.line, Step(rel, fence.line, "skip", reason=rest.strip().strip("()") or "no reason given")))
            continue
        if word in ("write", "append", "replace"):
            before = fences[n - 1].text if word == "replace" and n > 0 else ""
            steps.append((fence.line, Step(rel, fence.line, word, text=fence.text, target=rest.strip(), before=before)))
            continue
        if marker:
            raise ValueError(f"{rel}:{fence.line}: unknown doc-test marker: {marker}")
        expected, out_line = None, 0
        nxt = fences[n + 1] if n + 1 < len(fences) else None
        if nxt is not None and fence.blank_after and nxt.lang == "text" and not is_transcript(nxt) and not nxt.marker:
            expected, out_line = nxt.text, nxt.line
        if is_transcript(fence):
            steps.append((fence.line, Step(rel, fence.line, "transcript", text=fence.text, output_line=fence.line)))
        elif fence.lang == "python":
            steps.append((fence.line, Step(rel, fence.line, "python", text=fence.text, expected=expected, output_line=out_line)))
        elif fence.lang in SHELLS:
            steps.append((fence.line, Step(rel, fence.line, "shell", text=fence.text, expected=expected, output_line=out_line)))
    return [s for _, s in sorted(steps, key=lambda t: t[0])]


def split_transcript(text: str) -> List[Tuple[str, str]]:
    """(command, shown output) pairs of a transcript."""
    lines = text.rstrip("\n").split("\n")
    pairs: List[Tuple[str, List[str]]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd + "\n" + lines[i]
            heredoc = re.search(r"<<-?\s*'?(\w+)'?", cmd)
            if heredoc:
                end = heredoc.group(1)
                while i + 1 < len(lines):
                    i += 1
                    cmd += "\n" + lines[i]
                    if lines[i].strip() == end:
                        break
            pairs.append((cmd, []))
        elif pairs:
            pairs[-1][1].append(line)
        i += 1
    return [(c, "\n".join(out)) for c, out in pairs]


class Session:
    """A fresh copy of the checkout where one Markdown file's steps run in order."""

    def __init__(self, repo: Path, work: Path):
        self.repo = repo
        self.root = work / "checkout"
        self.tmp = work / "tmp"
        self.bin = work / "bin"
        self.tmp.mkdir(parents=True)
        self.bin.mkdir()
        copy_checkout(repo, self.root)
        (self.bin / "subsidy-rules").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m subsidy_rules "$@"\n')
        (self.bin / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (self.bin / "pytest").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pytest "$@"\n')
        for f in self.bin.iterdir():
            f.chmod(0o755)
        self.last_code = 0
        self.printed: Dict[int, str] = {}  # output fence line -> what the block printed, where it differs
        self.env = dict(os.environ)
        self.env.update({
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(self.root / "src"),
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": str(self.tmp),
            "NO_COLOR": "1",
            "COLUMNS": "100",
        })

    # -- paths -----------------------------------------------------------------------
    def local(self, text: str) -> str:
        """A doc's /tmp/ points into this run's own folder."""
        return re.sub(r"(?<![\w.])/tmp(?=/|\b)", str(self.tmp), text)

    def file(self, target: str) -> Path:
        path = Path(self.local(target))
        return path if path.is_absolute() else self.root / path

    def normalise(self, text: str) -> str:
        text = text.replace(str(self.tmp), "/tmp").replace(str(self.root), "…")
        text = DIGEST.sub("sha256:…", text)
        lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        return "\n".join(lines)

    # -- running ---------------------------------------------------------------------
    def run_shell(self, script: str, strict: bool = False) -> Tuple[int, str]:
        args = ["bash", "-e", "-c", self.local(script)] if strict else ["bash", "-c", self.local(script)]
        proc = subprocess.run(args, cwd=self.root, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")

    def run_python(self, code: str) -> Tuple[int, str]:
        proc = subprocess.run([sys.executable, "-"], input=self.local(code).encode("utf-8"), cwd=self.root,
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")

    def run_command(self, cmd: str) -> Tuple[int, str]:
        """A plain `subsidy-rules ARGS` runs in-process; anything else in bash."""
        if cmd.startswith("subsidy-rules ") and not (set(cmd.split("#")[0]) & SHELL_META) and " --jobs" not in cmd \
                and " serve" not in cmd:
            from subsidy_rules import cli, resources

            buf = io.StringIO()
            old, find = Path.cwd(), resources._find
            os.chdir(self.root)
            # the bundled policy and examples are the copy's, as for `python -m subsidy_rules` there
            resources._find = lambda name: self.root / name
            try:
                with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                    code = cli.main(shlex.split(self.local(cmd), comments=True)[1:], stdout=buf, stderr=buf)
            except SystemExit as exc:  # pragma: no cover - main returns its code
                code = exc.code if isinstance(exc.code, int) else 2
            finally:
                os.chdir(old)
                resources._find = find
            return code, buf.getvalue()
        # a transcript is one terminal: `$?` is the previous command's exit code
        return self.run_shell(f"(exit {self.last_code})\n{cmd}")

    def apply(self, step: Step) -> Outcome:
        """Run one step; Outcome.ok tells whether it printed what the doc shows."""
        if step.kind == "copy":
            dst, src = self.file(step.target), self.file(step.before)
            if src.is_dir():
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(src, dst)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
            return Outcome(True)
        if step.kind == "write":
            path = self.file(step.target)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(step.text, encoding="utf-8")
            return Outcome(True)
        if step.kind == "append":
            path = self.file(step.target)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(step.text)
            return Outcome(True)
        if step.kind in ("replace", "edit"):
            path = self.file(step.target)
            if not path.exists():
                return Outcome(False, f"{step.id}: {step.target} does not exist")
            content = path.read_text(encoding="utf-8")
            before = step.before if step.kind == "edit" else step.before.rstrip("\n")
            after = step.text if step.kind == "edit" else step.text.rstrip("\n")
            count = content.count(before)
            if count == 0 or (step.kind == "replace" and count > 1):
                return Outcome(False, f"{step.id}: the text to change occurs {count} times in {step.target}:\n{before}")
            path.write_text(content.replace(before, after), encoding="utf-8")
            return Outcome(True)
        if step.kind == "transcript":
            problems, rewritten = [], []
            for cmd, shown in split_transcript(step.text):
                self.last_code, got = self.run_command(cmd)
                problem = compare(shown, self.normalise(got), f"{step.id} $ {cmd}")
                if problem:
                    problems.append(problem)
                new = merge_shown(shown, self.normalise(got)) if problem else shown
                rewritten.append(f"$ {cmd}\n" + (new + "\n" if new else ""))
            self.printed[step.output_line] = "".join(rewritten)
            return Outcome(not problems, "\n\n".join(problems))
        if step.kind in ("shell", "python"):
            if step.kind == "python":
                code, got = self.run_python(step.text)
            else:
                code, got = self.run_shell(step.text, strict=step.expected is None)
            if step.expected is None:
                if code != 0:
                    return Outcome(False, f"{step.id}: exit {code}, and the doc shows no output:\n{got}")
                return Outcome(True)
            problem = compare(step.expected, self.normalise(got), step.id)
            if problem:
                self.printed[step.output_line] = merge_shown(step.expected.rstrip("\n"), self.normalise(got)) + "\n"
            return Outcome(not problem, problem)
        raise ValueError(step.kind)


def pattern_of(shown: str) -> "re.Pattern[str]":
    """The doc's shown output as a pattern: … lines and … inside lines are wildcards."""
    parts = []
    for line in shown.split("\n"):
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = [re.escape(p) for p in line.split("…")]
            parts.append(r"[^\n]*?".join(pieces) + r"\n")
    return re.compile("".join(parts), re.DOTALL)


def compare(shown: str, got: str, where: str) -> str:
    """'' when `got` is what the doc shows, else a diff."""
    shown = DIGEST.sub("sha256:…", "\n".join(ln.rstrip() for ln in shown.rstrip("\n").split("\n")).strip("\n"))
    if (not shown and not got) or (shown and pattern_of(shown).fullmatch(got + "\n")):
        return ""
    import difflib

    diff = "\n".join(difflib.unified_diff(shown.split("\n"), got.split("\n"), "doc shows", "command printed", lineterm=""))
    return f"{where}: output differs\n{diff}"


def merge_shown(shown: str, got: str) -> str:
    """For --accept: what was printed, keeping the doc's … (whole-line and inline) where they still fit.

    An edit-distance alignment in which a `…` line matches any run of lines for free.
    """
    old, new = (shown.split("\n") if shown else []), (got.split("\n") if got else [])
    same = [[bool(pattern_of(o).fullmatch(n + "\n")) for n in new] for o in old]
    n, m = len(old), len(new)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best = inf
            if i and old[i - 1].strip() == "…":
                best = min(best, cost[i - 1][j], cost[i][j - 1] if j else inf)
            if i and j:
                best = min(best, cost[i - 1][j - 1] + (0 if same[i - 1][j - 1] else 1))
            if i:
                best = min(best, cost[i - 1][j] + 1)
            if j:
                best = min(best, cost[i][j - 1] + 1)
            cost[i][j] = best
    out: List[str] = []
    i, j = n, m
    while i or j:
        if i and j and same[i - 1][j - 1] and cost[i][j] == cost[i - 1][j - 1]:
            out.append(old[i - 1]); i -= 1; j -= 1
        elif i and j and old[i - 1].strip() != "…" and cost[i][j] == cost[i - 1][j - 1] + 1:
            out.append(new[j - 1]); i -= 1; j -= 1
        elif i and old[i - 1].strip() == "…" and j and cost[i][j] == cost[i][j - 1]:
            j -= 1  # absorbed by the …
        elif i and old[i - 1].strip() == "…" and cost[i][j] == cost[i - 1][j]:
            out.append(old[i - 1]); i -= 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            out.append(new[j - 1]); j -= 1
    merged = "\n".join(reversed(out))
    return merged if pattern_of(merged).fullmatch(got + "\n") else got


def copy_checkout(repo: Path, target: Path) -> None:
    """The files git knows (tracked or new, not ignored) as they are in the work tree."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        names = [n for n in listed.decode("utf-8").split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
    if not names:
        shutil.copytree(repo, target, ignore=shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".hypothesis"))
        return
    for name in names:
        src = repo / name
        if src.is_file():
            dst = target / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def doc_files(repo: Path) -> List[Path]:
    """README.md and every Markdown file under docs/."""
    return [repo / "README.md"] + sorted((repo / "docs").rglob("*.md"))


def main(argv: List[str]) -> int:
    """`python tests/docblocks.py DOC.md...`: run the docs' blocks and print what each printed.

    For writing docs: the output shown here (normalised) is what a ```text block must show.
    With --accept, each block that differs gets what was printed (then read the diff, and put
    back the … that shorten long outputs).
    """
    import tempfile

    repo = Path(__file__).resolve().parent.parent
    failed = 0
    accept = "--accept" in argv
    argv = [a for a in argv if a != "--accept"]
    for name in argv:
        path = Path(name).resolve()
        with tempfile.TemporaryDirectory() as work:
            session = Session(repo, Path(work))
            for step in steps_of(path, repo):
                if step.kind == "skip":
                    print(f"--- {step.id} skipped: {step.reason}")
                    continue
                outcome = session.apply(step)
                failed += not outcome.ok
                print(f"--- {step.id} {step.kind}: {'ok' if outcome.ok else 'DIFFERS'}")
                if not outcome.ok:
                    print(outcome.message)
            if accept and session.printed:
                rewrite(path, session.printed)
    return 1 if failed else 0


def rewrite(path: Path, printed: Dict[int, str]) -> None:
    """--accept: put what each differing block printed into the doc (review the diff!)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for start in sorted(printed, reverse=True):
        i = start - 1
        m = FENCE.match(lines[i])
        indent, fence = m.group("indent"), m.group("fence")
        j = i + 1
        while lines[j].strip() != fence:
            j += 1
        body = [indent + ln if ln else ln for ln in printed[start].rstrip("\n").split("\n")]
        lines[i + 1:j] = body
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
