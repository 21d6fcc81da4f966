"""The `subsidy-rules` command. main(argv) -> exit code; it only calls the public API.

Exit codes: 0 all decisions eligible (or check/test clean), 1 some ineligible
(or a policy test failed), 3 some undetermined and none ineligible, 2 bad input
or usage, 4 an output file could not be written, 130 Ctrl-C, 143 SIGTERM. Bad
input never shows a traceback unless --debug, and neither does Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import List, Optional, Sequence, TextIO

from . import __version__
from .loading import check_policy, load_policy, trace_policy
from .claims import read_claim
from .facts import iso_date
from .errors import ClaimError, PolicyError, SubsidyRulesError
from .messages import cli_text, plural_s, summary_word, table_word, table_word_pair
from .resources import bundled_policy_dir
from .runtime import Outcome
from .tables import INPUT_FORMATS, OUTPUT_FORMATS, OutputError, detect_format
from .tables.atomic import write_text
from .tables.guard import EXIT_INTERRUPTED, STOPS, Outputs, Terminated, stop_code, stop_report, terminate_raises

EXIT_OK, EXIT_INELIGIBLE, EXIT_BAD_INPUT, EXIT_UNDETERMINED = 0, 1, 2, 3


def _date(text: str) -> _dt.date:
    try:
        return iso_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="subsidy-rules",
        description="就业扶贫补贴政策规则:检查、测试、解释。Employment poverty-alleviation subsidy rules: check, test, explain.",
    )
    parser.add_argument("--version", action="version", version=f"subsidy-rules {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages (default zh)")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    check = sub.add_parser("check", help="load, check and compile a policy; list every problem",
                           description="Load, check and compile every file of a policy folder, its tests "
                                       "(tests/*.yaml: each names a rule of the policy and holds a valid claim) and "
                                       "any claim files given with --claims. Exit 0 only when clean.")
    check.add_argument("policy", nargs="?", help="policy folder (default: ./policy when the current folder has one, "
                                                 "else the bundled policy)")
    check.add_argument("--claims", nargs="+", action="extend", metavar="FILE",
                       help="also check these claim files (YAML or JSON) against the policy's fact schema")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 2)")
    common(check)

    explain = sub.add_parser("explain", help="decide a claim and say why",
                             description="Decide a claim (YAML or JSON file, '-' for stdin) under every rule that applies, or one.")
    explain.add_argument("claim", nargs="?", help="claim file (YAML or JSON), or - for standard input")
    explain.add_argument("--row", help="FILE:LINE — explain one record of a table (JSON Lines, CSV, xlsx, Parquet)")
    parser.set_defaults(_explain_parser=explain)
    explain.add_argument("--rule", help="only this rule (its id, e.g. hiring-award)")
    explain.add_argument("--policy", help="policy folder (default: the bundled policy)")
    explain.add_argument("--as-of", type=_date, help="evaluation date YYYY-MM-DD (default: the claim's as_of, else today)")
    explain.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    explain.add_argument("--full", action="store_true", help="show every condition, not only those that decided")
    common(explain)

    rules = sub.add_parser("rules", help="list the rules of a policy",
                           description="List every rule: id, title, source, period in force and its conditions or criteria.")
    rules.add_argument("--policy", help="policy folder (default: ./policy when the current folder has one, else the bundled policy)")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    common(rules)

    evaluate = sub.add_parser("evaluate", help="run a whole table of claims through the policy",
                              description="Evaluate every record of INPUT (JSON Lines, CSV or an Excel workbook with dotted "
                                          "columns such as labourer.age or Chinese labels such as 劳动者.年龄, Parquet, or a "
                                          "YAML/JSON list; - for stdin). One output row per record and "
                                          "decision, in input order. Bad records are reported by line number and the run goes on. "
                                          "Exit 0 when every record was decided, 2 when any was rejected, 130 on Ctrl-C.")
    evaluate.add_argument("input", help="input file, or - for standard input")
    evaluate.add_argument("--rule", action="append", help="only this rule (repeatable); default: every rule that applies")
    evaluate.add_argument("--policy", help="policy folder (default: the bundled policy)")
    evaluate.add_argument("--as-of", type=_date, help="evaluation date for every record (default: each record's as_of, else today)")
    evaluate.add_argument("--out", help="output file, written only when complete (default: standard output)")
    evaluate.add_argument("--format", choices=OUTPUT_FORMATS,
                          help="output format (default: from the --out file name, else jsonl); xlsx and parquet need --out")
    evaluate.add_argument("--input-format", choices=INPUT_FORMATS, help="input format (default: from the file name, else jsonl)")
    evaluate.add_argument("--sheet", help="the sheet of an xlsx input to read (default: the first)")
    evaluate.add_argument("--entity", help="the records are bare records of this entity (e.g. labourer): columns without the entity prefix")
    evaluate.add_argument("--explain", action="store_true", help="add each decision's reasons tree (JSON Lines and Parquet only)")
    evaluate.add_argument("--errors", help="write rejected records' errors to this file instead of standard error")
    evaluate.add_argument("--jobs", type=int, default=1, help="worker processes (output identical to --jobs 1)")
    evaluate.add_argument("--no-progress", action="store_true", help="no progress line even on a terminal")
    evaluate.add_argument("--engine", choices=("auto", "python", "duckdb"), default="auto",
                          help="duckdb: the rules run as SQL queries in an embedded DuckDB; python: the Python engine "
                               "(the same rows, errors and summary); auto (default): duckdb, except for --explain "
                               "(the full decision JSON) and --jobs N, which need the Python engine")
    common(evaluate)

    lists = sub.add_parser("lists", help="sort a labour database into the five lists",
                           description="Sort every labourer record of INPUT into the lists of a classification rule "
                                       "(the five lists by default); write each list and the incomplete records as CSV "
                                       "(UTF-8 with BOM, opens in Excel) and JSON Lines into --out; print counts.")
    lists.add_argument("input", help="input file (JSON Lines, CSV, xlsx, Parquet or YAML/JSON list), or - for standard input")
    lists.add_argument("--out", required=True, help="output folder")
    lists.add_argument("--format", action="append", choices=OUTPUT_FORMATS,
                       help="a format to write each list in (repeatable; default csv and jsonl)")
    lists.add_argument("--rule", default="five-lists", help="the classification rule (default five-lists)")
    lists.add_argument("--policy", help="policy folder (default: the bundled policy)")
    lists.add_argument("--as-of", type=_date, help="evaluation date (default: each record's as_of, else today)")
    lists.add_argument("--input-format", choices=INPUT_FORMATS)
    lists.add_argument("--sheet", help="the sheet of an xlsx input to read (default: the first)")
    lists.add_argument("--entity", default=None, help="bare records of this entity (default: the rule's entity)")
    lists.add_argument("--errors", help="write rejected records' errors to this file")
    common(lists)

    diff = sub.add_parser("diff", help="what a policy change does to a set of claims",
                          description="Evaluate the same claims under OLD and NEW policies and report every decision whose "
                                      "outcome or amount changed, the conditions that changed (old beside new), and totals. "
                                      "Exit 0 when nothing moved, 1 when something did, 2 on bad input.")
    diff.add_argument("old", help="the policy folder before the change")
    diff.add_argument("new", help="the policy folder after the change")
    diff.add_argument("--claims", required=True, help="a claim file, a folder of claim files, or a table (JSON Lines, CSV)")
    diff.add_argument("--rule", action="append", help="only this rule (repeatable)")
    diff.add_argument("--as-of", type=_date, help="evaluation date (default: each claim's as_of, else today)")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    common(diff)

    schema = sub.add_parser("schema", help="print the JSON Schema of a kind of file (for editors)",
                            description="Print a JSON Schema: rule, parameters, facts (schema.yaml), policy (policy.yaml), "
                                        "claim, or tests. Claim and tests schemas follow the policy's fact schema. "
                                        "With --write, (re)write all of them into POLICY/schemas/.")
    schema.add_argument("kind", nargs="?", choices=("rule", "parameters", "facts", "policy", "claim", "tests"))
    schema.add_argument("--policy", help="policy folder (default: the bundled policy)")
    schema.add_argument("--write", action="store_true", help="write every schema into POLICY/schemas/<kind>.schema.json")
    common(schema)

    sql = sub.add_parser("sql", help="print the SQL query of a rule, to run inside a database",
                         description="Print one rule, bound for a date and a county, as one SQL query over a table of claims.")
    sql.add_argument("rule", help="the rule's id, e.g. hiring-award")
    sql.add_argument("--dialect", choices=("duckdb", "postgres", "spark"), default="duckdb")
    sql.add_argument("--as-of", type=_date, help="evaluation date YYYY-MM-DD (default: today)")
    sql.add_argument("--jurisdiction", help="the county whose parameter overrides apply")
    sql.add_argument("--mapping", help="mapping file (YAML): which table and columns hold the facts")
    sql.add_argument("--policy", help="policy folder (default: the bundled policy)")
    common(sql)

    serve = sub.add_parser("serve", help="the web API and the page for policy staff",
                           description="Serve the policy over HTTP: JSON API under /api/v1 and a page at /. Binds 127.0.0.1; "
                                       "any other address needs --tokens FILE or --no-auth. See docs/api.md.")
    serve.add_argument("--policy", help="policy folder (default: the bundled policy)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--reload", action="store_true", help="watch the policy folder; a change that passes check replaces the policy")
    serve.add_argument("--tokens", metavar="FILE", help="bearer tokens, one per line; required to bind a non-loopback address")
    serve.add_argument("--no-auth", action="store_true", help="serve a non-loopback address without tokens (prints a warning)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN", nargs="+",
                       help="allow browser calls from this origin (repeatable); CORS is off otherwise")
    serve.add_argument("--max-body", type=int, default=4 * 1024 * 1024, metavar="BYTES", help="largest request body (default 4 MiB)")
    serve.add_argument("--body-timeout", type=float, default=10.0, metavar="SECONDS", help="time allowed to send a body (default 10)")
    common(serve)

    trace = sub.add_parser("trace", help="the source letter sentence by sentence, with the rules that quote it",
                           description="Show the letter shipped with the policy (policy/documents/) sentence by sentence, "
                                       "each with the rules, conditions, criteria, lists and parameters whose source.quote "
                                       "occurs in it; normative sentences nothing quotes are marked, and quotes that are not "
                                       "in the letter are listed with file:line:column. Exit 0; 2 when the policy does not load.")
    trace.add_argument("--policy", help="policy folder (default: the bundled policy)")
    trace.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    trace.add_argument("--uncovered", action="store_true", help="only the normative sentences nothing quotes")
    common(trace)

    test = sub.add_parser("test", help="run the policy's own test cases (policy/tests/*.yaml)",
                          description="Run the policy tests. Exit 0 only when every case passes.")
    test.add_argument("policy", nargs="?", help="policy folder (default: ./policy when the current folder has one, else the bundled policy)")
    test.add_argument("-k", dest="keyword", help="only cases whose name or rule contains this text")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    common(test)
    return parser


def main(argv: Optional[Sequence[str]] = None, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    code = _main(argv, stdout, stderr)
    if code == EXIT_INTERRUPTED and argv is None and threading.current_thread() is threading.main_thread():
        _leave_interrupted(code)
    return code


def _leave_interrupted(code: int) -> None:
    """End the process of a command line run stopped by Ctrl-C, which has said so, with its exit
    code. A Ctrl-C DuckDB met inside its own statement can leave Python a handler still to run or
    a record of a KeyboardInterrupt nobody handled, and CPython then ends the process as killed by
    SIGINT (or with a traceback) instead: so SIGINT is ignored from here and the process leaves
    at once, its output already published or removed."""
    while True:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            break
        except KeyboardInterrupt:  # the pending handler ran first
            continue
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _main(argv: Optional[Sequence[str]], stdout: Optional[TextIO], stderr: Optional[TextIO]) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        # argparse writes --help, --version and usage errors to sys.stdout/sys.stderr: send them
        # to the streams this call was given
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
            if args.command == "explain" and args.claim is None and not args.row:
                args._explain_parser.error("the following arguments are required: claim (or --row FILE:LINE)")
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(out)
        return EXIT_BAD_INPUT
    lang = getattr(args, "lang", "zh")
    try:
        handler = {"check": _check, "explain": _explain, "rules": _rules, "test": _test,
                   "evaluate": _evaluate, "lists": _lists, "diff": _diff,
                   "schema": _schema, "serve": _serve, "trace": _trace, "sql": _sql}[args.command]
        with terminate_raises():
            return handler(args, out, err)
    except (KeyboardInterrupt, Terminated) as exc:  # a command with output files has said more already
        err.write(table_word("interrupted", lang) + "\n")
        return stop_code(exc)
    except OutputError as exc:  # (evaluate and lists report their own, with counts)
        err.write(table_word("error", lang) + exc.message(lang) + "\n")
        return stop_code(exc)
    except PolicyError as exc:
        err.write(exc.message(lang) + "\n")
        err.write(_count_line(exc.diagnostics, lang) + "\n")
        return EXIT_BAD_INPUT
    except ClaimError as exc:
        err.write(_claim_error_text(exc, lang))
        return EXIT_BAD_INPUT
    except SubsidyRulesError as exc:
        err.write(summary_word("error", lang) + exc.message(lang) + "\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # an unexpected failure: say so plainly, traceback only with --debug
        if getattr(args, "debug", False):
            raise
        err.write(f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)\n")
        return EXIT_BAD_INPUT


def _claim_error_text(exc: ClaimError, lang: str) -> str:
    """A claim's problems like a compiler's (file:line:col, the line, a caret), with a count;
    a problem with no file position keeps the one-line form."""
    if all(p.span is None for p in exc.problems):
        return summary_word("error", lang) + exc.message(lang) + "\n"
    return exc.message(lang) + "\n" + exc.count_line(lang) + "\n"


def _count_line(diagnostics, lang: str) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    return cli_text("counts", lang, errors=errors, es=plural_s(errors), warnings=warnings, ws=plural_s(warnings))


def _policy_dir(value: Optional[str]) -> Path:
    return Path(value) if value else bundled_policy_dir()


def _working_policy_dir(value: Optional[str], err: TextIO, lang: str) -> Path:
    """The folder check, test and rules read: the one named, else ./policy when the current
    folder has one (a clerk editing rules checks their copy, not the installed one), else the
    bundled policy. Says which on standard error, so standard output stays the command's own."""
    if value:
        directory, code = Path(value), "folder_given"
    elif (Path("policy") / "policy.yaml").is_file():
        directory, code = Path("policy"), "folder_local"
    else:
        directory, code = bundled_policy_dir(), "folder_bundled"
    err.write(cli_text(code, lang, path=directory) + "\n")
    return directory


def _check(args, out: TextIO, err: TextIO) -> int:
    from .claims import read_claim as _read
    from .testing import check_cases, load_cases

    lang = args.lang
    directory = _working_policy_dir(args.policy, err, lang)
    policy, diagnostics = check_policy(directory)
    findings: list = list(diagnostics)
    cases: list = []
    if policy is not None:
        cases, case_diagnostics = load_cases(directory)
        findings += case_diagnostics
        findings += check_cases(policy, cases)
        for claim in args.claims or ():
            try:
                _read(claim, policy.schema, policy.info.counties)
            except ClaimError as error:
                findings += error.problems
    errors = sum(1 for f in findings if f.severity == "error")
    ok = errors == 0 and not (args.strict and findings)
    if args.format == "json":
        out.write(json.dumps({"ok": ok, "policy": str(directory), "diagnostics": [f.to_dict(lang) for f in findings]},
                             ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK if ok else EXIT_BAD_INPUT
    for finding in findings:  # warnings of a policy without errors go to standard output, as the summary does
        (out if errors == 0 else err).write(finding.format(lang) + "\n")
    if not ok:
        err.write(_count_line(findings, lang) + "\n")
        return EXIT_BAD_INPUT
    warnings = len(findings)
    warn = cli_text("check_warn", lang, n=warnings, s=plural_s(warnings)) if warnings else ""
    rules, claims = len(policy.rule_ids), len(args.claims or ())
    claims_text = cli_text("check_claims", lang, n=claims, s=plural_s(claims)) if claims else ""
    out.write(cli_text("check_ok", lang, path=directory, rules=rules, rs=plural_s(rules), cases=len(cases),
                       cs=plural_s(len(cases)), claims=claims_text, warn=warn) + "\n")
    return EXIT_OK


def _read_claim_arg(path: str, policy) -> dict:
    if path == "-":
        from .claims import coerce_document, parse_document

        return coerce_document(parse_document(sys.stdin.read(), "<stdin>"), policy.schema, policy.info.counties)
    return read_claim(path, policy.schema, policy.info.counties)


def _explain(args, out: TextIO, err: TextIO) -> int:
    from .explain import render_markdown, render_text, to_json

    policy = load_policy(_policy_dir(args.policy))
    if args.row:
        from .sql.rows import claim_at

        claim = claim_at(args.row, policy)
    elif args.claim:
        claim = _read_claim_arg(args.claim, policy)
    else:
        raise ClaimError("C011", "", detail=table_word_pair("claim-needed"))
    decisions = policy.evaluate(claim, rule=args.rule, as_of=args.as_of)
    if not decisions:
        raise ClaimError("C007", "", choices=", ".join(sorted({r.applies_to for r in policy.rules})))
    if args.format == "json":
        out.write(to_json(decisions, args.lang) + "\n")
    elif args.format == "markdown":
        out.write(render_markdown(decisions, args.lang, args.full))
    else:
        out.write(render_text(decisions, args.lang, args.full))
    outcomes = {d.outcome for d in decisions}
    if Outcome.INELIGIBLE in outcomes:
        return EXIT_INELIGIBLE
    if Outcome.UNDETERMINED in outcomes:
        return EXIT_UNDETERMINED
    return EXIT_OK


def _rules(args, out: TextIO, err: TextIO) -> int:
    from . import model as m

    lang = args.lang
    policy = load_policy(_working_policy_dir(args.policy, err, lang))

    def conditions(rule: m.Rule) -> List[dict]:
        found = []
        for leaf in m.leaves(rule.conditions):
            found.append({"id": leaf.id, "label": leaf.label.get(lang)})
        if rule.items is not None:
            for leaf in m.leaves(rule.items.conditions):
                found.append({"id": leaf.id, "label": leaf.label.get(lang)})
        for entry in rule.criteria:
            found.append({"id": entry.id, "label": entry.label.get(lang), "points": float(entry.points) if entry.points % 1 else int(entry.points), "veto": entry.veto})
        for entry in rule.classes:
            found.append({"id": entry.id, "label": entry.label.get(lang)})
        return found

    listing = []
    for rule in policy.rules:
        listing.append({
            "id": rule.id,
            "title": rule.title.get(lang),
            "kind": rule.kind,
            "source": rule.source.text(),
            "applies_to": rule.applies_to,
            "in_force": rule.in_force.to_dict(),
            "conditions": conditions(rule),
        })
    if args.format == "json":
        out.write(json.dumps({"rules": listing}, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    for entry in listing:
        period = entry["in_force"]
        out.write(f"{entry['id']}  {entry['title']}\n")
        out.write(f"    {entry['source']} · {period['from']} ~ {period['until'] or ''} · {entry['applies_to']}\n")
        for cond in entry["conditions"]:
            extra = f" ({cond['points']})" if "points" in cond else ""
            out.write(f"    - {cond['id']}: {cond['label']}{extra}\n")
    return EXIT_OK


def _test(args, out: TextIO, err: TextIO) -> int:
    from .explain import render_text
    from .testing import load_cases, run_all

    directory = _working_policy_dir(args.policy, err, args.lang)
    policy = load_policy(directory)
    cases, diagnostics = load_cases(directory)
    if diagnostics:
        raise PolicyError(diagnostics)
    if args.keyword:
        cases = [c for c in cases if args.keyword in c.name or args.keyword in c.rule]
    passed = failed = 0
    for result in run_all(policy, cases):
        case = result.case
        if result.passed:
            passed += 1
            if args.verbose:
                out.write(f"PASS {case.rule} · {case.name}\n")
            continue
        failed += 1
        out.write(f"FAIL {case.rule} · {case.name}  ({case.span})\n")
        for problem in result.problems:
            for line in str(problem).splitlines():  # a claim error may quote its line with a caret
                out.write(f"     {line}\n")
        if result.decision is not None:
            for line in render_text([result.decision], args.lang).splitlines():
                out.write(f"     | {line}\n")
    out.write(summary_word("cases", args.lang, passed=passed, failed=failed, total=len(cases)) + "\n")
    return EXIT_OK if failed == 0 else EXIT_INELIGIBLE


def _clashing_files(args) -> Optional[str]:
    """Refuse, before anything is read, files that would overwrite one another or the input."""
    if args.out and os.path.isdir(args.out):
        return table_word("out-folder", args.lang, path=args.out)
    named = [(flag, path) for flag, path in (("INPUT", args.input), ("--out", args.out), ("--errors", args.errors))
             if path and path != "-"]
    for at, (first, one) in enumerate(named):
        for second, other in named[at + 1:]:
            if _same_file(one, other):
                return table_word("same-file", args.lang, first=first, second=second, path=other)
    return None


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet: the same path written two ways
        return os.path.abspath(one) == os.path.abspath(other)


def _evaluate(args, out: TextIO, err: TextIO) -> int:
    from .batch import Progress, Summary, evaluate_columns, run
    from .tables import detect_format, open_records, open_writer
    from .tables.writers import TEXT_FORMATS, TextFile

    directory = _policy_dir(args.policy)
    policy = load_policy(directory)
    for rule in args.rule or ():
        policy.compiled(rule, _dt.date.today())  # unknown rule: a clear error before reading anything
    fmt = args.format or (detect_format(args.out) if args.out and detect_format(args.out) != "jsonl" else "jsonl")
    if fmt not in OUTPUT_FORMATS:  # --out x.yaml: no such output
        fmt = "jsonl"
    if fmt not in TEXT_FORMATS and not args.out:
        err.write(table_word("needs-out", args.lang, fmt=fmt) + "\n")
        return EXIT_BAD_INPUT
    clash = _clashing_files(args)
    if clash:
        err.write(clash + "\n")
        return EXIT_BAD_INPUT
    source = open_records(args.input, args.input_format, policy.schema, args.entity, sheet=args.sheet)
    args.engine = _engine(args)
    outputs = Outputs()
    summary = Summary()
    progress = None
    try:
        if args.engine == "duckdb":
            from .sql.run_duckdb import run_path, table_columns

            writer = outputs.add(open_writer(args.out or out, fmt, table_columns(fmt, args.explain), args.lang))
        else:
            writer = outputs.add(open_writer(args.out or out, fmt, evaluate_columns(fmt, args.explain), args.lang))
        errors = outputs.add(TextFile(args.errors)) if args.errors else None
        show = not args.no_progress and hasattr(err, "isatty") and err.isatty()
        progress = Progress(err, source.size, source.tell) if show else None
        if args.engine == "duckdb":
            run_path(policy, args.input, args.input_format or detect_format(args.input), source.records,
                     entity=args.entity, rules=args.rule, as_of=args.as_of, explain=args.explain, fmt=fmt,
                     lang=args.lang, writer=writer, write_error=errors.write if errors else err.write,
                     progress=progress, summary=summary)
        else:
            run(policy, str(directory), source.records, rules=args.rule, as_of=args.as_of, explain=args.explain,
                fmt=fmt, lang=args.lang, jobs=max(1, args.jobs), writer=writer,
                write_error=errors.write if errors else err.write, progress=progress, summary=summary)
        if progress:
            progress.update(progress.records, final=True)
            progress = None
        outputs.close()
    except STOPS as exc:
        outputs.abort()
        if progress:
            progress.update(progress.records, final=True)
        files = [name for name in (args.out, args.errors) if name]
        err.write(stop_report(exc, files, summary.read, outputs.writers[0].rows if outputs.writers else 0, args.lang))
        return stop_code(exc)
    except BaseException:
        outputs.abort()
        raise
    finally:
        source.close()
    err.write(summary.table(args.lang) + "\n")
    err.write(summary.reconciliation(args.lang) + "\n")
    return EXIT_OK if summary.rejected == 0 else EXIT_BAD_INPUT


SMALL_TEXT_INPUT = 4 * 1024 * 1024  # bytes: below, starting DuckDB costs more than it saves (docs/performance.md)


def _engine(args) -> str:
    """`--engine auto`: DuckDB where it writes what the Python engine writes, when it is installed,
    except on a JSON Lines or CSV file too small to repay starting it (the same output either way)."""
    if args.engine != "auto":
        return args.engine
    if args.explain or args.jobs > 1:
        return "python"
    fmt = args.input_format or detect_format(args.input)
    if args.input != "-" and fmt in ("jsonl", "csv"):
        try:
            if os.path.getsize(args.input) < SMALL_TEXT_INPUT:
                return "python"
        except OSError:
            pass  # the reader says what is wrong with it
    import importlib.util

    found = all(importlib.util.find_spec(name) is not None for name in ("duckdb", "pyarrow", "sqlglot"))
    return "duckdb" if found else "python"


def _sql(args, out: TextIO, err: TextIO) -> int:
    from .sql import rule_query

    policy = load_policy(_policy_dir(args.policy))
    out.write(rule_query(policy, args.rule, args.dialect, args.as_of or _dt.date.today(), args.jurisdiction, args.mapping) + "\n")
    return EXIT_OK


def _lists(args, out: TextIO, err: TextIO) -> int:
    from .batch import LIST_FORMATS, ListWriter, error_line, sort_into_lists
    from .tables import open_records
    from .tables.writers import TextFile

    directory = _policy_dir(args.policy)
    policy = load_policy(directory)
    compiled = policy.compiled(args.rule, _dt.date.today())
    if compiled.rule.kind != "classification":
        raise ClaimError("C013", "", rule=args.rule,
                         choices=", ".join(r.id for r in policy.rules if r.kind == "classification"))
    entity = args.entity or compiled.rule.applies_to
    source = open_records(args.input, args.input_format, policy.schema, entity, sheet=args.sheet)
    formats = tuple(dict.fromkeys(args.format)) if args.format else LIST_FORMATS
    outputs = Outputs()
    read = rejected = 0
    writer = None
    try:
        writer = outputs.add(ListWriter(Path(args.out), policy, args.rule, args.lang, formats))
        errors = outputs.add(TextFile(args.errors)) if args.errors else None
        for result in sort_into_lists(policy, source.records, args.rule, args.as_of, args.lang):
            read += 1
            if result.error is not None:
                rejected += 1
                (errors.write if errors else err.write)(error_line(result, args.lang))
                continue
            writer.add(result)
        outputs.close()
    except STOPS as exc:
        outputs.abort()
        err.write(stop_report(exc, outputs.files, read, writer.rows if writer else 0, args.lang, folder=args.out))
        return stop_code(exc)
    except BaseException:
        outputs.abort()
        raise
    finally:
        source.close()
    out.write(writer.report() + "\n")
    err.write(summary_word("sorted", args.lang, read=read, sorted=read - rejected, rejected=rejected) + "\n")
    return EXIT_OK if rejected == 0 else EXIT_BAD_INPUT


def _diff(args, out: TextIO, err: TextIO) -> int:
    from .diff import compare, iter_claims, render_text, to_dict

    old = load_policy(Path(args.old))
    new = load_policy(Path(args.new))
    claims_path = Path(args.claims)
    if not claims_path.exists():
        raise ClaimError("C011", "", detail=table_word_pair("not-found", path=args.claims))
    report = compare(old, new, iter_claims(claims_path, new.schema), args.rule, args.as_of, args.lang)
    if args.format == "json":
        out.write(json.dumps(to_dict(report, args.lang), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_text(report, args.lang))
    if report.errors and not report.changes and report.claims == len({name for name, _ in report.errors}):
        return EXIT_BAD_INPUT  # nothing could be compared at all
    return EXIT_OK if not report.changes else EXIT_INELIGIBLE


def _schema(args, out: TextIO, err: TextIO) -> int:
    from .schemas import KINDS, schema_for

    directory = _policy_dir(args.policy)
    policy = load_policy(directory)
    if args.write:
        target = directory / "schemas"
        target.mkdir(exist_ok=True)
        for kind in KINDS:
            text = json.dumps(schema_for(kind, policy.schema), ensure_ascii=False, indent=2) + "\n"
            write_text(target / f"{kind}.schema.json", text)  # never a half-written schema
        out.write(f"{target}\n")
        return EXIT_OK
    if not args.kind:
        err.write(summary_word("name_a_kind", args.lang) + ", ".join(KINDS) + "\n")
        return EXIT_BAD_INPUT
    out.write(json.dumps(schema_for(args.kind, policy.schema), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _serve(args, out: TextIO, err: TextIO) -> int:
    from .server.serve import ServeArgs, main as serve

    origins = tuple(origin for group in args.cors_origin for origin in group)
    return serve(ServeArgs(args.policy, args.host, args.port, args.reload, args.tokens, args.no_auth, origins,
                           args.max_body, args.body_timeout, args.lang), out, err)

def _trace(args, out: TextIO, err: TextIO) -> int:
    from .trace import render_markdown, render_text

    report = trace_policy(_policy_dir(args.policy))
    if args.format == "json":
        out.write(json.dumps(report.to_dict(args.lang, only_uncovered=args.uncovered), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "markdown":
        out.write(render_markdown(report, args.lang, args.uncovered))
    else:
        out.write(render_text(report, args.lang, args.uncovered))
    return EXIT_OK
