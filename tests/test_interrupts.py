"""Stopped runs leave no file that looks complete: Ctrl-C (a real SIGINT to a real process),
SIGTERM and a full disk. Each says on standard error how far the run got, exits with its own
code, and never shows a traceback; a file of the same name from before stays as it was."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from subsidy_rules.cli import main
from subsidy_rules.tables import atomic

from conftest import like_a_terminal

SRC = Path(__file__).resolve().parent.parent / "src"
TRAINING = "entrepreneurship-training-subsidy"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """200,000 labourer claims: several seconds of work, so a signal lands mid-run."""
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for number in range(200_000):
            record = {"id": f"S{number:06d}", "as_of": "2017-07-31", "labourer": {
                "age": 20 + number % 40, "rural_registered_poor": number % 3 == 0,
                "entrepreneurship_training_attended": number % 2 == 0, "organising_business": False,
                "employment_status": "self_employed"}}
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(atomic.PARTIAL_SUFFIX))


def start(args, folder: Path, **kwargs):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "subsidy_rules", *map(str, args)], cwd=folder, env=env,
                            stderr=subprocess.PIPE, text=True, preexec_fn=like_a_terminal, **kwargs)


def wait_for_partial(process, folder: Path, seconds: float = 60, size: int = 1) -> None:
    """Until the run has written ``size`` bytes into its temporary file."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.stat().st_size >= size for p in folder.iterdir() if p.name.endswith(atomic.PARTIAL_SUFFIX)):
            return
        time.sleep(0.02)
    raise AssertionError("the run never wrote its temporary file")


@pytest.mark.parametrize("jobs, fmt", [(1, "jsonl"), (2, "csv"), (1, "xlsx"), (1, "parquet")])
def test_ctrl_c_leaves_no_output_file(big, tmp_path, jobs, fmt):
    if fmt in ("xlsx", "parquet"):
        pytest.importorskip("openpyxl" if fmt == "xlsx" else "pyarrow")
    (tmp_path / "old.txt").write_text("untouched", encoding="utf-8")
    out = tmp_path / f"d.{fmt}"
    # a terminal's Ctrl-C goes to the whole process group, workers included
    process = start(["evaluate", big, "--out", out.name, "--jobs", jobs, "--lang", "en"], tmp_path,
                    stdout=subprocess.DEVNULL, start_new_session=True)
    if fmt in ("xlsx", "parquet"):  # rows are spooled elsewhere or kept for a row group: the file comes later
        wait_for_partial(process, tmp_path, size=0)
        time.sleep(0.5)
    else:
        wait_for_partial(process, tmp_path)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.startswith(f"interrupted: {out.name} was not written")
    records, rows = _counts(err)
    assert 0 <= records < 200_000 and rows >= 0
    assert not out.exists() and leftovers(tmp_path) == []
    assert (tmp_path / "old.txt").read_text(encoding="utf-8") == "untouched"


def _counts(err: str):
    import re

    match = re.search(r"(\d+) record\(s\) done, (\d+) row\(s\) written", err)
    assert match, err
    return int(match.group(1)), int(match.group(2))


def test_sigterm_keeps_the_earlier_file(big, tmp_path):
    out = tmp_path / "d.jsonl"
    out.write_text("the complete output of an earlier run\n", encoding="utf-8")
    process = start(["evaluate", big, "--out", out.name, "--jobs", 2], tmp_path, stdout=subprocess.DEVNULL)
    wait_for_partial(process, tmp_path)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.startswith("已中断:d.jsonl 没有生成") and "Traceback" not in err
    records, rows = _counts_zh(err)
    assert rows == 0 or rows >= records  # one row per rule that applies, and the labourers have some
    assert out.read_text(encoding="utf-8") == "the complete output of an earlier run\n"
    assert leftovers(tmp_path) == []


def _counts_zh(err: str):
    import re

    match = re.search(r"已处理 (\d+) 条记录,写出 (\d+) 行", err)
    assert match, err
    return int(match.group(1)), int(match.group(2))


def test_ctrl_c_with_output_on_standard_output(big, tmp_path):
    with open(tmp_path / "stderr.txt", "w+", encoding="utf-8") as stderr:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
        process = subprocess.Popen([sys.executable, "-m", "subsidy_rules", "evaluate", str(big), "--rule", TRAINING,
                                    "--lang", "en"], stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
                                   preexec_fn=like_a_terminal)
        first = process.stdout.readline()
        assert json.loads(first)["rule"] == TRAINING
        process.send_signal(signal.SIGINT)
        rest = process.stdout.read()
        assert process.wait(timeout=60) == 130
        stderr.seek(0)
        err = stderr.read()
    assert err.startswith("interrupted: the output on standard output is incomplete"), err
    assert "Traceback" not in err
    records, rows = _counts(err)
    assert rows == records  # one rule, one row a record
    lines = (first + rest).splitlines()
    # the rows counted were written; the chunk being written when the signal came may be there in part
    assert rows <= len(lines) <= rows + 256
    assert all(json.loads(line) for line in lines[:-1])


def test_ctrl_c_during_lists(big, tmp_path):
    out = tmp_path / "lists"
    process = start(["lists", big, "--out", out.name, "--lang", "en"], tmp_path, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (out.exists() and leftovers(out)) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.startswith("interrupted: the list files in lists were not written") and "Traceback" not in err
    assert list(out.iterdir()) == []


def test_ctrl_c_in_any_command_shows_no_traceback(monkeypatch):
    import subsidy_rules.cli as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "check_policy", interrupted)
    code, out, err = run("check")  # check and rules first name the folder they read
    assert (code, out) == (130, "") and err.endswith("\n已中断。\n") and err.count("\n") == 2
    monkeypatch.setattr(cli, "load_policy", interrupted)
    code, out, err = run("rules", "--lang", "en")
    assert (code, out) == (130, "") and err.startswith("policy folder: ") and err.endswith("\ninterrupted.\n")


# ====================================================================== a full disk


class FullDisk(io.RawIOBase):
    """A file that takes ``room`` bytes, then fails as a full disk does (ENOSPC)."""

    def __init__(self, path, room: int) -> None:
        self.file = open(path, "wb", buffering=0)
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.file.write(data)

    def fileno(self) -> int:
        return self.file.fileno()

    def close(self) -> None:
        self.file.close()
        super().close()


@pytest.fixture
def full_disk(monkeypatch):
    def opener(room):
        def open_(path, mode, encoding=None, newline=None):
            binary = io.BufferedWriter(FullDisk(path, room))
            return binary if "b" in mode else io.TextIOWrapper(binary, encoding=encoding, newline=newline)

        monkeypatch.setattr(atomic, "_open", open_)

    return opener


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_a_full_disk_leaves_no_output_file(big, tmp_path, full_disk, fmt):
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    head = tmp_path / "head.jsonl"
    with open(big, encoding="utf-8") as source:
        head.write_text("".join(next(source) for _ in range(3000)), encoding="utf-8")
    out = tmp_path / f"d.{fmt}"
    out.write_text("before", encoding="utf-8")
    full_disk(20_000)
    code, _, err = run("evaluate", head, "--out", out, "--lang", "en")
    assert code == 4
    assert err.startswith(f"cannot write {out}: No space left on device; the file was not made")
    records, rows = _counts(err)
    assert records < 3000 if fmt != "xlsx" else records == 3000  # a workbook is written out at the end
    assert out.read_text(encoding="utf-8") == "before" and leftovers(tmp_path) == []


def test_a_full_disk_on_the_errors_file(tmp_path, full_disk):
    claims = tmp_path / "c.jsonl"
    claims.write_text("not json\n" * 5000, encoding="utf-8")
    full_disk(1_000)
    code, _, err = run("evaluate", claims, "--out", tmp_path / "d.jsonl", "--errors", tmp_path / "e.txt", "--lang", "en")
    assert code == 4 and "cannot write" in err and "e.txt" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]


def _tmpfs_works() -> bool:
    if not shutil.which("unshare") or sys.platform != "linux":
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /tmp"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _tmpfs_works(), reason="needs unshare (util-linux) and user namespaces for a small tmpfs")
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "parquet"])
def test_a_real_full_disk(big, tmp_path, fmt):
    """A 20 KB tmpfs in a namespace of its own (it vanishes with the process): a really full disk."""
    pytest.importorskip({"xlsx": "openpyxl", "parquet": "pyarrow"}.get(fmt, "json"))
    head = tmp_path / "head.jsonl"
    with open(big, encoding="utf-8") as source:
        head.write_text("".join(next(source) for _ in range(3000)), encoding="utf-8")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=20k tmpfs disk && echo before > disk/d.{fmt} && "
              f"{sys.executable} -m subsidy_rules evaluate head.jsonl --out disk/d.{fmt} --lang en; "
              f"echo \"exit $?\"; ls -A disk; cat disk/d.{fmt}")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.splitlines() == ["exit 4", f"d.{fmt}", "before"], result.stderr
    assert result.stderr.startswith(f"cannot write disk/d.{fmt}: No space left on device; the file was not made")
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_schema_write_on_a_full_disk_keeps_the_old_schemas(tmp_path, full_disk):
    import shutil as _shutil

    from subsidy_rules.resources import bundled_policy_dir

    policy = tmp_path / "p"
    _shutil.copytree(bundled_policy_dir(), policy)
    before = {p.name: p.read_bytes() for p in (policy / "schemas").iterdir()}
    full_disk(1_000)
    code, _, err = run("schema", "--write", "--policy", policy, "--lang", "en")
    assert code == 4, err
    assert err.startswith(f"error: [T009] cannot write {policy / 'schemas'}") and "No space left on device" in err
    assert {p.name: p.read_bytes() for p in (policy / "schemas").iterdir()} == before


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_ctrl_c_between_opening_the_output_and_taking_it_in_leaves_nothing(tmp_path, monkeypatch, engine):
    """A stop that lands after the output file is begun but before the command has taken the writer
    in (a window of a few instructions) still removes the file begun: nothing named *.partial is left."""
    from subsidy_rules.tables import guard

    source = tmp_path / "in" / "claims.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps({"as_of": "2017-07-31", "labourer": {"age": 30}}) + "\n", encoding="utf-8")
    taken = guard.Outputs.add

    def stopped(self, writer):
        if not self.writers:
            raise KeyboardInterrupt
        return taken(self, writer)

    monkeypatch.setattr(guard.Outputs, "add", stopped)
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", str(source), "--engine", engine, "--out", str(tmp_path / "d.jsonl")], stdout=out,
                stderr=err)
    assert code == 130, err.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize("how", ["module", "console script"])
def test_ctrl_c_while_the_package_is_imported(tmp_path, how):
    """The first 0.3 s of a command are spent importing the package. Python's -X importtime says on
    standard error as each module is in, so the signal is sent once the package's own modules have
    begun to come in, while most of them are still to come."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    command = ([sys.executable, "-X", "importtime", "-m", "subsidy_rules"] if how == "module" else
               [sys.executable, "-X", "importtime", "-c", "import sys; from subsidy_rules.launch import main; "
                "sys.argv[0] = 'subsidy-rules'; sys.exit(main())"])
    process = subprocess.Popen([*command, "rules", "--lang", "en"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=like_a_terminal)
    said = []
    for line in process.stderr:
        said.append(line)
        module = line.rsplit("|", 1)[-1].strip()
        if module.startswith("subsidy_rules.") and module != "subsidy_rules.launch":
            process.send_signal(signal.SIGINT)
            break
    out, rest = process.communicate(timeout=60)
    words = [line for line in said + rest.splitlines(keepends=True) if not line.startswith("import time:")]
    assert process.returncode == 130, "".join(said) + rest
    assert (out, "".join(words)) == ("", "interrupted.\n")


def test_asking_the_package_for_a_private_name_imports_nothing():
    """hasattr(subsidy_rules, "__main__") must not import __main__, which runs the command."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", "import subsidy_rules as s; print(hasattr(s, '__main__'), "
                           "hasattr(s, 'launch'), hasattr(s, 'engine'))"], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "False False True\n"), done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_duckdb_statement_stops_the_run_as_that_signal(signum):
    """DuckDB checks for signals while a statement runs and ends it with its own InterruptException,
    in place of the exception the signal's handler raised: SIGTERM must still end the run with 143,
    not 130. The signal arrives, its handler's exception is taken over, DuckDB's is raised."""
    duckdb = pytest.importorskip("duckdb")
    from subsidy_rules.sql.connection import interrupts_as_stops
    from subsidy_rules.tables.guard import Terminated, stop_code, terminate_raises

    stopped: BaseException = AssertionError("nothing stopped the statement")
    try:
        with terminate_raises(), interrupts_as_stops():
            try:
                os.kill(os.getpid(), signum)
                time.sleep(1)  # the handler runs here
            except (Terminated, KeyboardInterrupt):
                pass  # what DuckDB does with the handler's exception
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
    except BaseException as exc:  # KeyboardInterrupt too: caught here, not by pytest
        stopped = exc
    expected = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    assert type(stopped) is expected and stop_code(stopped) == (143 if signum == signal.SIGTERM else 130), stopped


def test_an_output_through_a_symbolic_link_or_to_a_pipe_or_device_keeps_what_it_names(tmp_path):
    """Renaming a finished file over --out would turn a link into a plain file and replace /dev/null
    or a named pipe: the link's target is written, a pipe or a device is written straight through."""
    import threading

    from subsidy_rules.cli import main

    source = tmp_path / "in.jsonl"
    source.write_text('{"labourer": {"age": 30}}\n{"labourer": {"age": 40}}\n', encoding="utf-8")
    (tmp_path / "real.jsonl").write_text("an earlier run\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    assert main(["evaluate", str(source), "--out", str(tmp_path / "link.jsonl"), "--no-progress"],
                stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert (tmp_path / "link.jsonl").is_symlink() and (tmp_path / "real.jsonl").read_text(encoding="utf-8").count("\n") > 2
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    assert main(["evaluate", str(source), "--out", str(pipe), "--no-progress"], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    reader.join(timeout=30)
    assert got and got[0].count(b"\n") > 2 and pipe.is_fifo()
    if os.geteuid() == 0:  # a device node of our own, as /dev/null is
        device = tmp_path / "null"
        os.mknod(device, 0o666 | __import__("stat").S_IFCHR, os.makedev(1, 3))
        for fmt in ("jsonl", "parquet", "xlsx"):
            assert main(["evaluate", str(source), "--out", str(device), "--format", fmt, "--no-progress"],
                        stdout=io.StringIO(), stderr=io.StringIO()) == 0, fmt
            assert device.is_char_device(), fmt
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_writing_to_a_pipe_says_its_output_is_incomplete(big, tmp_path):
    """A named pipe is written straight through: after Ctrl-C, what went down it cannot be taken
    back, so the message says the output is incomplete, not that a file was not made."""
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got = bytearray()

    def read() -> None:
        with open(pipe, "rb") as stream:
            while True:
                block = stream.read(65536)
                if not block:
                    return
                got.extend(block)

    reader = threading.Thread(target=read)
    reader.start()
    process = start(["evaluate", big, "--out", pipe.name, "--lang", "en", "--engine", "python"], tmp_path,
                    stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(got) < 100_000 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    reader.join(timeout=30)
    assert process.returncode == 130, err
    assert err.startswith("interrupted: the output written to pipe is incomplete;") and "not written" not in err, err
    assert pipe.is_fifo() and got and leftovers(tmp_path) == []
