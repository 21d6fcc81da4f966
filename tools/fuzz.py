#!/usr/bin/env python3
"""A longer fuzz run against the bundled policy: mutate its rule files and the example
claims, run check and evaluate, and report every exception that is not ours
(SubsidyRulesError), every hang, and every disagreement between evaluators, with the
input that caused it.

    python tools/fuzz.py --seconds 60 --seed 1
    python tools/fuzz.py --seconds 600 --out fuzz-findings

Mutations, chosen at random each round:

* rule-text     text edits of one rule file (YAML and expression tokens, hostile strings)
* rule-expr     one expression of a rule file replaced by a random, mostly well-typed one
                (valid policies are then evaluated on example claims, so the compiler and
                both evaluators see rules nobody wrote)
* other-text    text edits of schema.yaml, parameters.yaml or policy.yaml
* claim-data    structural edits of an example claim (types, sizes, depth, names), given
                to coerce_claim and also straight to the API
* claim-text    text edits of an example claim file (YAML and JSON), given to parse_text

Each finding is written to --out (default: a temporary folder) as one text file with the
mutation, the input and the traceback; the summary at the end lists them. Exit code 0 when
nothing was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import copy
import datetime as _dt
import faulthandler
import json
import random
import reprlib
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

import subsidy_rules  # noqa: E402
from subsidy_rules import SubsidyRulesError, coerce_claim, parse_text  # noqa: E402

CASE_SECONDS = 10  # one case taking longer than this is reported as a hang
SHOW = reprlib.Repr()  # inputs as shown in findings: bounded however deep or long the data
SHOW.maxlevel, SHOW.maxlist, SHOW.maxdict, SHOW.maxtuple = 30, 30, 30, 30
SHOW.maxstring = SHOW.maxother = SHOW.maxlong = 300


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so no `except Exception` in the code swallows it."""


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise Hang(f"no answer within {CASE_SECONDS} s")


# ====================================================================== random material

TOKENS = [
    ":", "-", " ", "\n", "  ", "\t", "{", "}", "[", "]", ",", "'", '"', "#", "|", ">", "?", "&a", "*a", "<<: *a",
    "!!python/object/apply:os.system ['true']", "!!binary", "---", "...", "%YAML 1.1", "\ufeff", "\x00", "\x85",
    "\u2028", "\r", "2017-02-30", "0000-01-01", "9999-12-31", "1e999999999", "1.0e+999999999", ".nan", ".inf",
    "9" * 40, "0x" + "f" * 40, "-0", "true", "null", "~", "yes", "no", "and", "or", "not", "in", "not in", "of",
    "where", "if", "then", "else", "(", ")", "==", "!=", ">=", "<=", ">", "<", "=", "≥", "≤", "≠", "+", "-", "*",
    "/", "×", "÷", "%", "$", "@", "$min_contract_months", "@hiring-award", "count(", "sum(", "any(", "all(",
    "min(", "max(", "known(", "months_between(", "as_of", "__class__", "__import__('os')", "labourer.__dict__",
    '"; import os; "', "\\", "'\\''", "年龄", "employer.hires", "labourer.age", "worker.", "id: x",
    "expr: (", "label: {zh: a, en: b}", "- id: extra\n    label: {zh: a, en: b}\n    expr: true\n",
]
HOSTILE_VALUES: List[Any] = [
    None, True, False, 0, -1, 1, 12, 2 ** 63, 10 ** 15, -(10 ** 15), 10 ** 40, 1.5, -0.0, 1e308, float("inf"),
    float("nan"), Decimal("1e999999999"), Decimal("NaN"), "", "x", "12", "true", "2017-07-31", "2017-02-30",
    "利州区", "employed", "9" * 50, [], [None], {}, {"a": 1}, [[[[[]]]]], {"__class__": 1}, b"bytes",
    _dt.date(2017, 7, 31), _dt.datetime(2017, 7, 31, 12, 0), ("tuple",),
]


def mutate_text(rng: random.Random, text: str, edits: int) -> str:
    for _ in range(edits):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.15 and text:  # delete a little
            text = text[:at] + text[at + rng.randint(1, 12):]
        elif roll < 0.25:  # duplicate a line
            lines = text.split("\n")
            index = rng.randrange(len(lines))
            lines.insert(index, lines[index])
            text = "\n".join(lines)
        elif roll < 0.32:  # swap two lines
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif roll < 0.38:  # a line's indentation
            lines = text.split("\n")
            index = rng.randrange(len(lines))
            lines[index] = rng.choice(["", " ", "  ", "\t", "      "]) + lines[index].lstrip(" ")
            text = "\n".join(lines)
        else:  # insert or replace with a token
            token = rng.choice(TOKENS)
            cut = rng.choice([0, 0, 1, len(token)])
            text = text[:at] + token + text[at + cut:]
    return text


class ExprMaker:
    """Random expressions, mostly well typed, over one entity of the schema."""

    def __init__(self, rng: random.Random, policy) -> None:
        self.rng = rng
        self.schema = policy.schema
        self.params: Dict[str, List[str]] = collections.defaultdict(list)
        for name, param in policy.model.parameters.items():
            self.params[param.type].append(name)
        self.rules = list(policy.rule_ids)

    def paths(self, entity: str, prefix: str, depth: int = 2) -> Dict[str, List[Tuple[str, Any]]]:
        """kind -> [(path, field)] reachable from an entity (records followed, lists listed)."""
        found: Dict[str, List[Tuple[str, Any]]] = collections.defaultdict(list)
        ent = self.schema.entities.get(entity)
        if ent is None:
            return found
        for name, field in ent.fields.items():
            path = f"{prefix}{name}"
            found[field.type].append((path, field))
            if field.type == "record" and depth > 0:
                for kind, items in self.paths(field.of, path + ".", depth - 1).items():
                    found[kind].extend(items)
        return found

    def make(self, kind: str, entity: str, prefix: str, depth: int = 3) -> str:
        rng = self.rng
        fields = self.paths(entity, prefix)
        choices: List[Callable[[], str]] = []
        if kind == "bool":
            choices += [lambda: rng.choice(["true", "false"])]
            if fields["bool"]:
                choices += [lambda: rng.choice(fields["bool"])[0]] * 3
            if depth > 0:
                choices += [
                    lambda: f"{self.make('number', entity, prefix, depth - 1)} {rng.choice(['>=', '<', '==', '!=', '>', '≤'])} "
                            f"{self.make('number', entity, prefix, depth - 1)}",
                    lambda: f"not {self.make('bool', entity, prefix, depth - 1)}",
                    lambda: f"({self.make('bool', entity, prefix, depth - 1)} {rng.choice(['and', 'or'])} "
                            f"{self.make('bool', entity, prefix, depth - 1)})",
                    lambda: f"{self.make('date', entity, prefix, depth - 1)} {rng.choice(['>=', '<', '=='])} "
                            f"{self.make('date', entity, prefix, depth - 1)}",
                    lambda: f"(if {self.make('bool', entity, prefix, depth - 1)} then {self.make('bool', entity, prefix, depth - 1)} "
                            f"else {self.make('bool', entity, prefix, depth - 1)})",
                ]
                if fields["enum"]:
                    def enum_test() -> str:
                        path, field = rng.choice(fields["enum"])
                        values = [f'"{v}"' for v in rng.sample(list(field.values), k=min(2, len(field.values)))]
                        return rng.choice([f"{path} == {values[0]}", f"{path} in [{', '.join(values)}]",
                                           f"{path} not in [{', '.join(values)}]"])
                    choices.append(enum_test)
                if fields["text"]:
                    choices.append(lambda: f'{rng.choice(fields["text"])[0]} == "{rng.choice(["", "x", "; import os"])}"')
                if fields["list"]:
                    choices.append(lambda: self.aggregate(rng.choice(["any", "all"]), entity, prefix, fields, depth))
                choices.append(lambda: f"known({rng.choice([p for k in fields for p, _ in fields[k]] or ['as_of'])})")
                if self.rules:
                    choices.append(lambda: "@" + rng.choice(self.rules))
            if self.params["bool"]:
                choices.append(lambda: "$" + rng.choice(self.params["bool"]))
        elif kind == "number":
            choices += [lambda: str(rng.choice([0, 1, 12, 16, 60, 1000, 999999999999999999])),
                        lambda: rng.choice(["0.5", "1.25", "30%", "0.001"])]
            numeric = fields["integer"] + fields["decimal"] + fields["money"]
            if numeric:
                choices += [lambda: rng.choice(numeric)[0]] * 3
            params = self.params["integer"] + self.params["money"] + self.params["decimal"]
            if params:
                choices += [lambda: "$" + rng.choice(params)] * 2
            if depth > 0:
                choices += [
                    lambda: f"({self.make('number', entity, prefix, depth - 1)} {rng.choice(['+', '-', '*', '/', '×', '÷'])} "
                            f"{self.make('number', entity, prefix, depth - 1)})",
                    lambda: f"-{self.make('number', entity, prefix, depth - 1)}",
                    lambda: f"{rng.choice(['least', 'greatest'])}({self.make('number', entity, prefix, depth - 1)}, "
                            f"{self.make('number', entity, prefix, depth - 1)})",
                    lambda: f"{rng.choice(['months_between', 'days_between', 'years_between'])}("
                            f"{self.make('date', entity, prefix, depth - 1)}, {self.make('date', entity, prefix, depth - 1)})",
                    lambda: f"(if {self.make('bool', entity, prefix, depth - 1)} then {self.make('number', entity, prefix, depth - 1)} "
                            f"else {self.make('number', entity, prefix, depth - 1)})",
                ]
                if fields["list"]:
                    choices.append(lambda: self.aggregate(rng.choice(["count", "sum", "min", "max"]), entity, prefix, fields, depth))
        elif kind == "date":
            choices += [lambda: "as_of", lambda: rng.choice(["2016-06-01", "2017-07-31", "2000-02-29"])]
            if fields["date"]:
                choices += [lambda: rng.choice(fields["date"])[0]] * 3
            if self.params["date"]:
                choices.append(lambda: "$" + rng.choice(self.params["date"]))
            if depth > 0:
                choices.append(lambda: f"add_months({self.make('date', entity, prefix, depth - 1)}, "
                                       f"{self.make('number', entity, prefix, depth - 1)})")
        return rng.choice(choices)()

    def aggregate(self, func: str, entity: str, prefix: str, fields, depth: int) -> str:
        path, field = self.rng.choice(fields["list"])
        inner = field.of
        where = f" where {self.make('bool', inner, '', depth - 1)}" if self.rng.random() < 0.6 else ""
        if func in ("count",):
            return f"count({path}{where})"
        if func == "any":
            return f"any({path}{where})"
        if func == "all":
            return f"all({self.make('bool', inner, '', depth - 1)} of {path}{where})"
        value = self.make("number", inner, "", depth - 1)
        return f"{func}({value} of {path}{where})"


# ====================================================================== claims


def mutate_data(rng: random.Random, data: Any, policy) -> Any:
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 4)):
        data = _mutate_once(rng, data, policy)
    return data


def _containers(data: Any, limit: int = 60) -> List[Any]:
    """The dicts and lists inside the data, down to ``limit`` levels (iteratively: data may be deep)."""
    found = []
    stack = [(data, 0)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            continue
        if isinstance(item, dict):
            found.append(item)
            stack.extend((value, level + 1) for value in item.values())
        elif isinstance(item, list):
            found.append(item)
            stack.extend((value, level + 1) for value in item[:50])
    return found


def _mutate_once(rng: random.Random, data: Any, policy) -> Any:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice([[data], None, "claim", 42, {"claim": data}])
    containers = _containers(data)
    if not containers:
        return data
    target = rng.choice(containers)
    keys = list(target.keys()) if isinstance(target, dict) else list(range(len(target)))
    if roll < 0.45 and keys:  # replace a value
        target[rng.choice(keys)] = rng.choice(HOSTILE_VALUES)
    elif roll < 0.6 and keys:  # delete one
        key = rng.choice(keys)
        if isinstance(target, dict):
            del target[key]
        else:
            target.pop(key)
    elif roll < 0.7 and isinstance(target, dict):  # an unknown or misspelt name
        names = [f for e in policy.schema.entities.values() for f in e.fields] + list(policy.schema.entities)
        name = rng.choice(names)
        target[rng.choice([name, name + "x", name.upper(), "__proto__", ""])] = rng.choice(HOSTILE_VALUES)
    elif roll < 0.8 and keys:  # deeper
        key = rng.choice(keys)
        value = target[key]
        for _ in range(rng.choice([1, 5, 40, 2000])):
            value = rng.choice([[value], {"x": value}])
        target[key] = value
    elif roll < 0.9 and isinstance(target, list) and target:  # longer (past MAX_LIST now and then)
        target.extend([rng.choice(target)] * rng.choice([10, 1000, 5000, 1000, 1_000_001]))
    elif keys:  # a record where a value was, or the other way round
        key = rng.choice(keys)
        value = target[key]
        try:
            text = str(value)
        except (RecursionError, ValueError):  # deep already, or an enormous integer
            text = "?"
        target[key] = rng.choice([[value], {"value": value}, text])
    return data


# ====================================================================== the run


class Fuzzer:
    def __init__(self, seed: int, out: Path, policy_dir: Path) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.out = out
        self.original = policy_dir
        self.work = Path(tempfile.mkdtemp(prefix="fuzz-policy-")) / "policy"
        shutil.copytree(policy_dir, self.work, ignore=shutil.ignore_patterns("tests", "schemas"))
        self.policy = subsidy_rules.load_policy(self.work)
        self.maker = ExprMaker(self.rng, self.policy)
        claims_dir = REPO / "examples" / "claims"
        self.claim_texts = {p.name: p.read_text(encoding="utf-8-sig") for p in sorted(claims_dir.glob("*.yaml"))}
        self.claims = {name: parse_text(text, name) for name, text in self.claim_texts.items()}
        self.facts = {name: coerce_claim(data, self.policy.schema, self.policy.info.counties)
                      for name, data in self.claims.items()}
        self.rule_files = sorted((self.work / "rules").glob("*.yaml"))
        self.counts: collections.Counter = collections.Counter()
        self.codes: collections.Counter = collections.Counter()
        self.findings: Dict[str, Path] = {}
        self.case = 0

    # ---------------------------------------------------------------- reporting
    def record(self, kind: str, what: str, payload: str, error: BaseException, trace: str) -> None:
        frames = [line for line in trace.splitlines() if "subsidy_rules" in line and line.strip().startswith("File")]
        where = frames[-1].strip() if frames else "?"
        signature = f"{kind}|{type(error).__name__}|{where}"
        self.counts["findings"] += 1
        if signature in self.findings:
            return
        path = self.out / f"finding-{len(self.findings) + 1:03d}-{kind}.txt"
        path.write_text(f"mutation: {kind}\nseed: {self.seed}  case: {self.case}\nwhat: {what}\n"
                        f"error: {type(error).__name__}: {str(error)[:2000]}\nwhere: {where}\n\n"
                        f"--- traceback\n{trace}\n--- input\n{payload}\n", encoding="utf-8", errors="replace")
        self.findings[signature] = path
        print(f"  FOUND [{kind}] {type(error).__name__}: {str(error)[:200]}  ({path})", flush=True)

    def guarded(self, kind: str, what: str, payload: Callable[[], str], action: Callable[[], None]) -> None:
        self.case += 1
        (self.out / "current-input.txt").write_text(f"{kind} {what}\n{payload()}", encoding="utf-8", errors="replace")
        signal.alarm(CASE_SECONDS)
        # a hang inside C code, where the alarm cannot interrupt: dump where, and stop (the input
        # is in current-input.txt)
        faulthandler.dump_traceback_later(CASE_SECONDS * 3, exit=True)
        try:
            action()
        except SubsidyRulesError as exc:
            self.codes[getattr(exc, "code", None) or type(exc).__name__] += 1
        except (Hang, MemoryError, RecursionError, Exception) as exc:  # noqa: BLE001
            signal.alarm(0)
            self.record(kind, what, payload(), exc, traceback.format_exc())
        finally:
            signal.alarm(0)
            faulthandler.cancel_dump_traceback_later()

    # ---------------------------------------------------------------- policy mutations
    def check_and_use(self, what: str) -> None:
        policy, diagnostics = subsidy_rules.check_policy(self.work)
        for diagnostic in diagnostics:
            self.codes[diagnostic.code] += 1
            diagnostic.format("zh")
            diagnostic.to_dict("en")
            assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1, diagnostic.format("en")
        if policy is None:
            assert any(d.severity == "error" for d in diagnostics), "refused without an error"
            return
        self.counts["valid policies"] += 1
        for name in self.rng.sample(sorted(self.facts), k=4):
            self.evaluate(policy, self.facts[name])

    def evaluate(self, policy, claim) -> None:
        """Every evaluator on one claim; they must agree."""
        try:
            decisions = policy.evaluate(claim)
        except SubsidyRulesError as exc:
            self.codes[getattr(exc, "code", type(exc).__name__)] += 1
            return
        json.dumps([d.to_dict("en") for d in decisions], default=str)
        from subsidy_rules.explain import render_markdown, render_text

        render_text(decisions, "zh", True)
        render_markdown(decisions, "en")
        day = claim.get("as_of") if isinstance(claim, dict) and isinstance(claim.get("as_of"), _dt.date) else None
        for decision in decisions:
            verdict = policy.decide(claim, decision.rule_id)
            prepared = policy.decider(decision.rule_id, day or _dt.date.today(), claim.get("jurisdiction"))(claim)
            if not (verdict == prepared == (decision.outcome, decision.amount)):
                raise AssertionError(f"evaluators disagree on {decision.rule_id}: evaluate {decision.outcome} "
                                     f"{decision.amount}, decide {verdict}, decider {prepared}")

    def rule_text(self) -> None:
        path = self.rng.choice(self.rule_files)
        original = path.read_text(encoding="utf-8")
        text = mutate_text(self.rng, original, self.rng.randint(1, 6))
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            self.guarded("rule-text", path.name, lambda: text, lambda: self.check_and_use(path.name))
        finally:
            path.write_text(original, encoding="utf-8")

    def rule_expr(self) -> None:
        path = self.rng.choice(self.rule_files)
        original = path.read_text(encoding="utf-8")
        lines = original.split("\n")
        slots = [i for i, line in enumerate(lines) if line.lstrip().startswith(("expr:", "when:", "amount:"))
                 and not line.rstrip().endswith(("|", ">", "|-"))]
        if not slots:
            return
        index = self.rng.choice(slots)
        line = lines[index]
        key = line.lstrip().split(":")[0]
        rule = next((r for r in self.policy.model.rules if Path(r.file).name == path.name), None)
        entity, prefix = (rule.applies_to, rule.applies_to + ".") if rule is not None else ("labourer", "labourer.")
        section = next((lines[i].split(":")[0] for i in range(index, -1, -1) if lines[i][:1].isalpha()), "")
        if section == "items" and rule is not None and rule.items is not None and rule.items.entity:
            entity, prefix = rule.items.entity, ""  # inside items: the item's own fields
        kind = "number" if key == "amount" else "bool"
        expression = self.maker.make(kind, entity, prefix, self.rng.randint(1, 4))
        indent = line[: len(line) - len(line.lstrip())]
        lines[index] = f"{indent}{key}: {json.dumps(expression, ensure_ascii=False)}"
        text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")
        try:
            self.guarded("rule-expr", f"{path.name}:{index + 1}: {expression}", lambda: text,
                         lambda: self.check_and_use(path.name))
        finally:
            path.write_text(original, encoding="utf-8")

    def other_text(self) -> None:
        path = self.work / self.rng.choice(["schema.yaml", "parameters.yaml", "policy.yaml"])
        original = path.read_text(encoding="utf-8")
        text = mutate_text(self.rng, original, self.rng.randint(1, 4))
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            self.guarded("other-text", path.name, lambda: text, lambda: self.check_and_use(path.name))
        finally:
            path.write_text(original, encoding="utf-8")

    # ---------------------------------------------------------------- claim mutations
    def claim_data(self) -> None:
        name = self.rng.choice(sorted(self.claims))
        data = mutate_data(self.rng, self.claims[name], self.policy)

        def show() -> str:
            try:
                return SHOW.repr(data) + f"\n(mutated from {name})"
            except (RecursionError, ValueError, MemoryError) as exc:
                return f"<not printable: {exc}>; mutated from {name}"

        def run() -> None:
            try:
                facts = coerce_claim(data, self.policy.schema, self.policy.info.counties)
            except SubsidyRulesError as exc:
                self.codes[exc.code] += 1
            else:
                self.evaluate(self.policy, facts)
            # the same data straight to the API, no coerce_claim
            for rule in self.rng.sample(self.policy.rule_ids, k=3):
                for call in (lambda: self.policy.evaluate(data, rule=rule),
                             lambda: self.policy.decide(data, rule),
                             lambda: self.policy.decider(rule, _dt.date(2017, 7, 31))(data),
                             lambda: self.policy.explainer(rule, _dt.date(2017, 7, 31))(data).to_dict("en")):
                    try:
                        call()
                    except SubsidyRulesError as exc:
                        self.codes[getattr(exc, "code", type(exc).__name__)] += 1

        self.guarded("claim-data", name, show, run)

    def claim_text(self) -> None:
        name = self.rng.choice(sorted(self.claim_texts))
        text = self.claim_texts[name]
        if self.rng.random() < 0.4:
            text = json.dumps(self.claims[name], ensure_ascii=False, default=str, indent=self.rng.choice([None, 1]))
        text = mutate_text(self.rng, text, self.rng.randint(1, 5))

        def run() -> None:
            facts = coerce_claim(parse_text(text, name), self.policy.schema, self.policy.info.counties)
            self.evaluate(self.policy, facts)

        self.guarded("claim-text", name, lambda: text, run)

    # ---------------------------------------------------------------- main loop
    def run(self, seconds: float) -> int:
        kinds = [(self.rule_text, 3), (self.rule_expr, 3), (self.other_text, 1), (self.claim_data, 4), (self.claim_text, 3)]
        names = [k.__name__.replace("_", "-") for k, _ in kinds]
        weights = [w for _, w in kinds]
        deadline = time.monotonic() + seconds
        last = time.monotonic()
        while time.monotonic() < deadline:
            index = self.rng.choices(range(len(kinds)), weights)[0]
            self.counts[names[index]] += 1
            kinds[index][0]()
            if time.monotonic() - last > 10:
                last = time.monotonic()
                done = sum(self.counts[n] for n in names)
                print(f"  {done} cases, {len(self.findings)} distinct findings", flush=True)
        return self.report(names)

    def report(self, names: List[str]) -> int:
        total = sum(self.counts[n] for n in names)
        print(f"\nfuzz: seed {self.seed}, {total} cases: " + ", ".join(f"{n} {self.counts[n]}" for n in names))
        print(f"valid mutated policies evaluated: {self.counts['valid policies']}")
        print("our errors seen: " + ", ".join(f"{code} {count}" for code, count in sorted(self.codes.items())))
        if not self.findings:
            print("no exception that is not ours, no hang, no disagreement")
            return 0
        print(f"{len(self.findings)} distinct findings ({self.counts['findings']} in all):")
        for signature, path in self.findings.items():
            print(f"  {signature}\n    {path}")
        return 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to run (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock; printed)")
    parser.add_argument("--out", help="folder for findings (default: a new temporary folder)")
    parser.add_argument("--policy", help="policy folder to mutate (default: the bundled policy)")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit (default 4096 MB)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 100_000
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="fuzz-findings-"))
    out.mkdir(parents=True, exist_ok=True)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    signal.signal(signal.SIGALRM, _alarm)
    policy_dir = Path(args.policy) if args.policy else subsidy_rules.bundled_policy_dir()
    print(f"fuzz: seed {seed}, {args.seconds:g} s, policy {policy_dir}, findings in {out}", flush=True)
    fuzzer = Fuzzer(seed, out, policy_dir)
    try:
        return fuzzer.run(args.seconds)
    finally:
        shutil.rmtree(fuzzer.work.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
