"""source.py: position-keeping YAML, spans inside scalars, and refusing dangerous or broken files."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from subsidy_rules.load import load_model
from subsidy_rules.source import (SourceFile, Span, YamlProblem, YMap, YScalar, YSeq, decode_source, parse_yaml,
                                  plain, read_source)

from conftest import by_code, write


def load(text: str, name: str = "t.yaml"):
    return parse_yaml(SourceFile(name, text))


def problem(data: bytes | str, name: str = "t.yaml") -> YamlProblem:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(YamlProblem) as info:
        parse_yaml(SourceFile(name, decode_source(raw, name)))
    return info.value


def position(scalar: YScalar, needle: str, occurrence: int = 0):
    """(line, column) that offset_span gives for the start of ``needle`` in the scalar's value."""
    index = -1
    for _ in range(occurrence + 1):
        index = scalar.value.index(needle, index + 1)
    span = scalar.offset_span(index, index + len(needle))
    return span.line, span.column, span.end_line, span.end_column


DOC = (
    "a: plain text here\n"                      # 1
    "b: |\n"                                    # 2
    "  first line\n"                            # 3
    "  second  line x\n"                        # 4
    'c: "quoted \\"value\\" here"\n'            # 5
    "d: folded plain\n"                         # 6
    "   over lines y\n"                         # 7
    "e: 'single it''s z'\n"                     # 8
    "f:\n"                                      # 9
    "  - count(employer.hires where\n"          # 10
    "      contract_months >= 12) >= 10\n"      # 11
)


@pytest.fixture(scope="module")
def doc() -> YMap:
    root = load(DOC)
    assert isinstance(root, YMap)
    return root


class TestSpans:
    def test_scalar_node_spans(self, doc):
        assert doc.keys() == ["a", "b", "c", "d", "e", "f"]
        key_a = doc.key_node("a")
        assert (key_a.span.line, key_a.span.column) == (1, 1)
        assert (doc.get("a").span.line, doc.get("a").span.column) == (1, 4)
        assert (doc.get("e").span.line, doc.get("e").span.column) == (8, 4)
        assert str(doc.get("c").span) == "t.yaml:5:4"

    def test_plain_scalar_offsets(self, doc):
        a = doc.get("a")
        assert a.value == "plain text here"
        assert position(a, "plain") == (1, 4, 1, 9)
        assert position(a, "text") == (1, 10, 1, 14)
        assert position(a, "here") == (1, 15, 1, 19)

    def test_block_scalar_offsets_on_every_line(self, doc):
        b = doc.get("b")
        assert b.style == "|"
        assert b.value == "first line\nsecond  line x\n"
        assert position(b, "first")[:2] == (3, 3)
        assert position(b, "line")[:2] == (3, 9)
        assert position(b, "second")[:2] == (4, 3)
        # the double space inside the value is kept, so the second 'line' is at column 11
        assert position(b, "line", 1)[:2] == (4, 11)
        assert position(b, "x")[:2] == (4, 16)

    def test_quoted_scalar_offsets_skip_escapes(self, doc):
        c = doc.get("c")
        assert c.value == 'quoted "value" here'
        assert position(c, "quoted")[:2] == (5, 5)
        assert position(c, "value")[:2] == (5, 14)
        assert position(c, "here")[:2] == (5, 22)
        e = doc.get("e")
        assert e.value == "single it's z"
        assert position(e, "it")[:2] == (8, 12)
        assert position(e, "z")[:2] == (8, 18)

    def test_folded_plain_scalar_over_lines(self, doc):
        d = doc.get("d")
        assert d.value == "folded plain over lines y"
        assert position(d, "plain")[:2] == (6, 11)
        assert position(d, "over")[:2] == (7, 4)
        assert position(d, "lines")[:2] == (7, 9)
        assert position(d, "y")[:2] == (7, 15)

    def test_expression_in_sequence_folded_over_lines(self, doc):
        seq = doc.get("f")
        assert isinstance(seq, YSeq)
        expr = seq.items[0]
        assert expr.value == "count(employer.hires where contract_months >= 12) >= 10"
        assert position(expr, "employer")[:2] == (10, 11)
        assert position(expr, "contract_months")[:2] == (11, 7)
        assert position(expr, ">=", 1)[:2] == (11, 30)

    def test_span_carries_end_and_source(self, doc):
        a = doc.get("a")
        span = a.offset_span(6, 10)  # "text"
        assert span.source is not None and span.source.line_text(span.line) == "a: plain text here"
        assert (span.end_line, span.end_column) == (1, 14)
        # spans compare without the source text
        assert span == Span("t.yaml", 1, 10, 1, 14)

    def test_non_string_scalars_are_typed(self):
        root = load("i: 12\nd: 0.95\nday: 2017-07-31\nb: true\ns: '12'\nn: ~\n")
        assert plain(root) == {"i": 12, "d": Decimal("0.95"), "day": dt.date(2017, 7, 31), "b": True, "s": "12", "n": None}
        assert isinstance(plain(root)["d"], Decimal)

    def test_decimal_keeps_the_written_text(self):
        assert str(plain(load("x: 1234.50\n"))["x"]) == "1234.50"

    def test_empty_document(self):
        assert load("") is None
        assert load("# only a comment\n") is None


class TestRefused:
    def test_duplicate_key_names_both_positions(self):
        found = problem("a: 1\nb: 2\na: 3\n")
        assert found.code == "E002"
        assert (found.span.line, found.span.column) == (3, 1)
        assert found.args_["first"] == "1:1"
        assert found.args_["key"] == "a"

    def test_duplicate_key_in_nested_flow_mapping(self):
        found = problem("x:\n  - {b: 2, c: 3, b: 4}\n")
        assert found.code == "E002"
        assert (found.span.line, found.span.column) == (2, 18)
        assert found.args_["first"] == "2:6"

    def test_duplicate_key_diagnostic_through_loader(self, mini_dir):
        rule = mini_dir / "rules" / "w1.yaml"
        text = rule.read_text(encoding="utf-8")
        rule.write_text(text.replace("applies_to: labourer\n", "applies_to: labourer\napplies_to: employer\n"), encoding="utf-8")
        _, diagnostics = load_model(mini_dir)
        found = by_code(diagnostics, "E002")[0]
        lines = rule.read_text(encoding="utf-8").splitlines()
        first = lines.index("applies_to: labourer") + 1
        assert found.span.file.endswith("w1.yaml")
        assert (found.span.line, found.span.column) == (first + 1, 1)
        message = found.message("en")
        assert f"{first}:1" in message and "applies_to" in message

    def test_alias_refused(self):
        found = problem("a: &x [1, 2]\nb: *x\n")
        assert found.code == "E003"
        assert (found.span.line, found.span.column) == (2, 4)

    def test_merge_key_alias_refused(self):
        found = problem("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
        assert found.code == "E003"
        assert found.span.line == 3

    def test_billion_laughs_is_refused_fast(self):
        lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for level in range(1, 10):
            refs = ",".join(f"*a{level - 1}" for _ in range(9))
            lines.append(f"a{level}: &a{level} [{refs}]")
        text = "\n".join(lines) + "\n"
        start = time.perf_counter()
        found = problem(text)
        elapsed = time.perf_counter() - start
        assert found.code == "E003"
        assert found.span.line == 2
        assert elapsed < 1.0

    def test_billion_laughs_in_a_rule_file_is_a_diagnostic(self, mini_dir):
        lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in range(1, 10):
            lines.append(f"a{level}: &a{level} [" + ", ".join(f"*a{level - 1}" for _ in range(9)) + "]")
        (mini_dir / "rules" / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        start = time.perf_counter()
        model, diagnostics = load_model(mini_dir)
        assert time.perf_counter() - start < 2.0
        found = by_code(diagnostics, "E003")
        assert found[0].span.file.endswith("bomb.yaml")
        # the other rules are still read
        assert {r.id for r in model.rules} == {"w1", "w2", "award"}

    def test_non_utf8_is_e006_with_position(self):
        with pytest.raises(YamlProblem) as info:
            decode_source(b"a: 1\nb: caf\xe9\n", "t.yaml")
        assert info.value.code == "E006"
        assert (info.value.span.line, info.value.span.column) == (2, 7)
        assert info.value.args_["byte"] == "0xe9"

    def test_gbk_file_through_loader(self, mini_dir):
        rule = mini_dir / "rules" / "w1.yaml"
        rule.write_bytes(rule.read_text(encoding="utf-8").encode("gbk"))
        _, diagnostics = load_model(mini_dir)
        found = by_code(diagnostics, "E006")[0]
        assert found.span.file.endswith("w1.yaml")
        assert found.span.line == 2  # the first non-ASCII character is in the title on line 2

    def test_impossible_date_is_kept_as_written(self):
        """2017-02-30 is no date: kept as its text, for the reader of a date to refuse where it is
        (E013 in a policy file, C001 in a claim) while the rest of the file is read."""
        node = parse_yaml(SourceFile("t.yaml", "in_force: {from: 2017-02-30}\n"))
        value = node.get("in_force").get("from")
        assert value.value == "2017-02-30" and (value.span.line, value.span.column) == (1, 18)

    def test_impossible_date_in_rule_file(self, mini_dir):
        rule = mini_dir / "rules" / "w2.yaml"
        rule.write_text(rule.read_text(encoding="utf-8").replace("2016-01-01", "2017-02-30"), encoding="utf-8")
        _, diagnostics = load_model(mini_dir)
        found = by_code(diagnostics, "E013")[0]
        assert found.span.file.endswith("w2.yaml") and found.span.line == 4

    @pytest.mark.parametrize("text, line, column", [
        ("a: [1, 2\nb: 3\n", 2, 2),      # the unclosed flow sequence is noticed on the next line
        ("a: 1\n  b: 2\n", 2, 4),        # a mapping value where none is allowed
    ])
    def test_syntax_error_is_e001_with_position(self, text, line, column):
        found = problem(text)
        assert found.code == "E001"
        assert (found.span.line, found.span.column) == (line, column)
        assert found.args_["detail"]


class TestEncodings:
    def test_bom_is_accepted(self):
        text = decode_source("\ufeffa: 1\nb: 两\n".encode("utf-8"), "t.yaml")
        root = parse_yaml(SourceFile("t.yaml", text))
        assert plain(root) == {"a": 1, "b": "两"}
        assert (root.key_node("a").span.line, root.key_node("a").span.column) == (1, 1)

    def test_crlf_is_accepted_and_positions_hold(self):
        raw = "a: 1\r\nb: |\r\n  x >= 1\r\n  and y\r\n".encode("utf-8")
        text = decode_source(raw, "t.yaml")
        assert "\r" not in text
        root = parse_yaml(SourceFile("t.yaml", text))
        b = root.get("b")
        assert b.value == "x >= 1\nand y\n"
        assert position(b, "y")[:2] == (4, 7)

    def test_bom_and_crlf_policy_still_checks(self, mini_dir):
        import subsidy_rules

        for path in mini_dir.rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]
        assert set(policy.rule_ids) == {"award", "w1", "w2"}

    def test_read_source(self, tmp_path):
        path = write(tmp_path / "x.yaml", "a: 1\n")
        source = read_source(path, display="shown.yaml")
        assert source.name == "shown.yaml"
        assert source.line_text(1) == "a: 1"
        assert source.position(3) == (1, 4)
