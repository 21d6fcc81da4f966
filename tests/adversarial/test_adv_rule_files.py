"""Hostile rule files: each gets a PolicyError-family diagnostic with its code and a
file:line:column position, in bounded time and memory, and the command line says so
with exit code 2 and no traceback."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from adversarial_helpers import (MINI_RULE, Crashed, assert_clean_failure, assert_located, bounded, check_dir,
                                 errors_of, mini_copy, run_cli, the_error)


def _check(tmp_path: Path, content, file: str = "rules/w1.yaml", seconds: float = 5.0, memory_mb: int = 1024):
    directory = mini_copy(tmp_path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    (directory / file).write_bytes(data)
    try:
        ok, diagnostics = bounded(check_dir, directory, seconds=seconds, memory_mb=memory_mb)
    except Crashed as exc:  # the interpreter itself died (e.g. a C stack overflow in a YAML library)
        pytest.fail(f"checking {file} crashed the process: {exc}")
    return directory, ok, diagnostics


def _fails_with(tmp_path: Path, content, code: str, file: str = "rules/w1.yaml", **limits):
    directory, ok, diagnostics = _check(tmp_path, content, file, **limits)
    assert not ok, "the policy should have been refused"
    found = the_error(diagnostics, code)
    assert_located(found, Path(file).name)
    return directory, found


def _cli_check(directory: Path, *needles: str, seconds: float = 10.0) -> str:
    return assert_clean_failure(bounded(run_cli, "check", directory, "--lang", "en", seconds=seconds), *needles)


# ------------------------------------------------------------------ YAML-level attacks


def billion_laughs(levels: int = 9, fan: int = 9) -> str:
    lines = ["lol0: &lol0 [lol]"]
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * fan)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return MINI_RULE + "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_the_first_alias(tmp_path):
    text = billion_laughs()
    directory, found = _fails_with(tmp_path, text, "E003", memory_mb=512)
    first_alias = text.index("*lol0")
    line = text.count("\n", 0, first_alias) + 1
    assert found.span.line == line
    _cli_check(directory, "error[E003]", "aliases")


def test_alias_bomb_in_block_style_and_merge_keys(tmp_path):
    text = MINI_RULE + "base: &b {a: 1}\nmore:\n  <<: *b\n"
    _fails_with(tmp_path, text, "E003")


def test_alias_bomb_as_the_whole_schema(tmp_path):
    directory, found = _fails_with(tmp_path, billion_laughs(12, 12), "E003", file="schema.yaml", memory_mb=512)
    _cli_check(directory, "schema.yaml:", "error[E003]")


def test_duplicate_keys_name_both_positions(tmp_path):
    text = MINI_RULE + "id: again\n"
    directory, found = _fails_with(tmp_path, text, "E002")
    assert (found.span.line, found.span.column) == (text.count("\n"), 1)
    assert "(first at 1:1)" in found.message("en")
    assert "第一次出现在 1:1" in found.message("zh")
    _cli_check(directory, f"w1.yaml:{found.span.line}:1: error[E002]", "first at 1:1")


def test_duplicate_keys_inside_a_flow_mapping(tmp_path):
    text = MINI_RULE.replace("title: {zh: 创业培训补贴, en: Entrepreneurship training subsidy}",
                             "title: {zh: 创业培训补贴, en: a, zh: b}")
    _, found = _fails_with(tmp_path, text, "E002")
    assert found.span.line == 2 and "first at 2:9" in found.message("en")


def test_duplicate_keys_that_differ_only_in_quoting(tmp_path):
    _, found = _fails_with(tmp_path, MINI_RULE + '"id": again\n', "E002")
    assert "first at 1:1" in found.message("en")


def test_tabs_for_indentation(tmp_path):
    text = MINI_RULE.replace("  - id: registered-poor", "\t- id: registered-poor")
    directory, found = _fails_with(tmp_path, text, "E072")  # a tab has its own message: indent with spaces
    assert (found.span.line, found.span.column) == (text.splitlines().index("\t- id: registered-poor") + 1, 1)
    _cli_check(directory, "error[E072]")


def test_utf8_bom_is_accepted(tmp_path):
    _, ok, diagnostics = _check(tmp_path, b"\xef\xbb\xbf" + MINI_RULE.encode("utf-8"))
    assert ok, [d.format("en") for d in diagnostics]


def test_bom_and_crlf_keep_positions_right(tmp_path):
    broken = MINI_RULE.replace("expr: labourer.age >= 16", "expr: labourer.agee >= 16")
    line = broken.splitlines().index("    expr: labourer.agee >= 16") + 1
    data = b"\xef\xbb\xbf" + broken.replace("\n", "\r\n").encode("utf-8")
    _, found = _fails_with(tmp_path, data, "E031")
    assert (found.span.line, found.span.column) == (line, 11)
    assert "\r" not in found.format("en")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_are_accepted(tmp_path, newline):
    _, ok, diagnostics = _check(tmp_path, MINI_RULE.replace("\n", newline))
    assert ok, [d.format("en") for d in diagnostics]


def test_non_utf8_bytes_name_the_byte_and_its_position(tmp_path):
    data = MINI_RULE.encode("utf-8").replace("创业培训补贴".encode("utf-8"), b"\xff\xfeabc", 1)
    directory, found = _fails_with(tmp_path, data, "E006")
    assert (found.span.line, found.span.column) == (2, 13)
    assert "0xff" in found.message("en")
    _cli_check(directory, "w1.yaml:2:13: error[E006]")


@pytest.mark.parametrize("encoding", ["utf-16", "gb18030", "latin-1"])
def test_other_encodings_are_refused(tmp_path, encoding):
    text = MINI_RULE if encoding != "latin-1" else "id: café\n"
    _fails_with(tmp_path, text.encode(encoding), "E006")


def test_nul_and_control_characters(tmp_path):
    text = MINI_RULE.replace("applies_to: labourer", "applies_to: lab\x00ourer")
    _, found = _fails_with(tmp_path, text, "E001")
    assert found.span.line == 5


def test_ten_megabyte_file_is_refused_before_parsing(tmp_path):
    # deeply nested flow collections: parsing this would be slow, so a quick answer means no parse
    data = b"x: " + b"[" * (10 * 1024 * 1024)
    started = time.monotonic()
    directory, found = _fails_with(tmp_path, data, "E007", seconds=5, memory_mb=512)
    assert time.monotonic() - started < 5
    assert "10485763 bytes" in found.message("en") and "limit 8388608" in found.message("en")
    _cli_check(directory, "w1.yaml:1:1: error[E007]")


def test_yaml_nested_a_hundred_thousand_deep(tmp_path):
    directory, found = _fails_with(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n", "E009")
    assert found.span.line == 1
    _cli_check(directory, "error[E009]")


def test_block_yaml_nested_deeply(tmp_path):
    text = "".join("  " * level + f"k{level}:\n" for level in range(200)) + "  " * 200 + "v\n"
    _fails_with(tmp_path, text, "E009")


def test_too_many_nodes_are_counted_before_they_are_built(tmp_path):
    # 3.5 M tiny items in 7 MB (under the size limit), with the node limit set low: refused in a
    # fraction of the time (and memory) that building millions of nodes takes
    directory = mini_copy(tmp_path)
    (directory / "rules" / "w1.yaml").write_bytes(b"x: [" + b"1," * 3_500_000 + b"1]\n")

    def run():
        from subsidy_rules import source

        source.MAX_NODES = 5_000
        return check_dir(directory)

    ok, diagnostics = bounded(run, seconds=5, memory_mb=512)
    assert not ok
    assert "5000" in the_error(diagnostics, "E008").message("en")


@pytest.mark.parametrize("content, actual", [
    ("- id: w1\n- title: x\n", "a list"),
    ("just some text\n", "text"),
    ("42\n", "an integer"),
    ("", "nothing"),
    ("# only a comment\n", "nothing"),
    ("---\n", "nothing"),
], ids=["list", "text", "integer", "empty", "comment", "empty-document"])
def test_rule_file_that_is_not_a_mapping(tmp_path, content, actual):
    directory, found = _fails_with(tmp_path, content, "E012")
    assert found.span.line == (2 if content == "---\n" else 1) and found.span.column == 1
    assert found.message("en") == f"'w1.yaml' should be a mapping, got {actual}"
    assert found.message("zh") == f"“w1.yaml” 应当是键值表,实际是{_zh(actual)}"
    _cli_check(directory, f"w1.yaml:{found.span.line}:1: error[E012]")


def _zh(english: str) -> str:
    return {"a list": "列表", "text": "文字", "an integer": "整数", "nothing": "空值"}[english]


def test_two_documents_in_one_file(tmp_path):
    _, found = _fails_with(tmp_path, MINI_RULE + "---\nid: second\n", "E001")
    assert found.span.line == MINI_RULE.count("\n") + 1


@pytest.mark.parametrize("tagged", ["!!python/object/apply:os.system ['touch {marker}']",
                                    "!!python/name:os.system", "!!python/object/new:os.system ['touch {marker}']",
                                    "!!binary aGVsbG8="])
def test_python_tags_are_never_constructed(tmp_path, tagged):
    marker = tmp_path / "pwned"
    text = MINI_RULE.replace("applies_to: labourer", "applies_to: " + tagged.format(marker=marker))
    _, ok, diagnostics = _check(tmp_path, text)
    assert not ok
    assert errors_of(diagnostics)  # E001 (unknown tag), E012 (a list is no text), E024 (no such entity)
    assert not marker.exists()


@pytest.mark.parametrize("value", ["9" * 100_000, "0x" + "f" * 5000, "0b" + "1" * 20_000], ids=["nines", "hex", "binary"])
def test_enormous_yaml_integers_are_numbers_too_large(tmp_path, value):
    _, found = _fails_with(tmp_path, MINI_RULE + f"version: {value}\n", "E038")
    assert found.span.line == MINI_RULE.count("\n") + 1
    assert len(found.message("en")) < 100  # the value is shortened, not quoted whole


# ------------------------------------------------------------------ dates in rule files


@pytest.mark.parametrize("start", ["2017-02-30", "'2017-02-30'", "2017-13-01", "0000-01-01", "2017-02-30T10:00:00",
                                   "2017-01-01 10:00:00"])
def test_invalid_dates_in_force(tmp_path, start):
    text = MINI_RULE.replace("in_force: {from: 2016-01-01}", f"in_force: {{from: {start}}}")
    directory, found = _fails_with(tmp_path, text, "E013")
    assert (found.span.line, found.span.column) == (4, 18)
    _cli_check(directory, "w1.yaml:4:18: error[E013]")


def test_until_before_from(tmp_path):
    text = MINI_RULE.replace("in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2015-12-31}")
    _fails_with(tmp_path, text, "E017")


# ------------------------------------------------------------------ the rest of the folder


def test_hostile_parameters_file(tmp_path):
    text = (Path(mini_copy(tmp_path)) / "parameters.yaml").read_text(encoding="utf-8")
    text = text.replace("value: 1500", "value: 1e999999999")
    _fails_with(tmp_path, text, "E051", file="parameters.yaml")
    text = text.replace("value: 1e999999999", "value: 1.0e+999999999")
    _fails_with(tmp_path, text, "E038", file="parameters.yaml")


def test_policy_file_that_is_a_list(tmp_path):
    _fails_with(tmp_path, "- name\n- title\n", "E012", file="policy.yaml")


def test_every_diagnostic_of_a_mangled_rule_is_located(tmp_path):
    text = MINI_RULE.replace("id: w1", "id: W_1").replace("labourer.age >= 16", "labourer.age >= 'x'")
    text = text.replace("applies_to: labourer", "applies_to: labourr")
    directory, ok, diagnostics = _check(tmp_path, text)
    assert not ok
    codes = {d.code for d in errors_of(diagnostics)}
    assert {"E015", "E024"} <= codes
    for diagnostic in errors_of(diagnostics):
        assert re.match(r"^.+:\d+:\d+$", str(diagnostic.span)), diagnostic.format("en")
