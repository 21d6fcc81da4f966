"""claims.py: claims from JSON and YAML text or files, converted and checked against the schema."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import subsidy_rules
from subsidy_rules import ClaimError
from subsidy_rules.claims import MAX_DEPTH, coerce_claim, parse_text, read_claim

from conftest import copy_mini, write

EXTRA_FIELDS = """      income: {type: money, label: {zh: 收入, en: Income}}
      share: {type: decimal, label: {zh: 比例, en: Share}}
      born: {type: date, label: {zh: 出生日期, en: Born}}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    """The mini policy with money, decimal and date fields on the labourer."""
    directory = copy_mini(tmp_path_factory.mktemp("claims"))
    schema = directory / "schema.yaml"
    text = schema.read_text(encoding="utf-8")
    anchor = "      status: {type: enum"
    schema.write_text(text.replace(anchor, EXTRA_FIELDS + anchor, 1), encoding="utf-8")
    return subsidy_rules.load_policy(directory)


def load(text: str, policy):
    return coerce_claim(parse_text(text), policy.schema, policy.info.counties)


def claim_error(call) -> ClaimError:
    with pytest.raises(ClaimError) as info:
        call()
    return info.value


class TestForms:
    def test_json_and_yaml_give_the_same_facts(self, policy):
        as_json = load('{"as_of": "2017-07-31", "employer": {"name": "企业", "hires": ['
                       '{"worker": {"age": 30, "rural_registered_poor": true}, "contract_months": 12,'
                       ' "hired_on": "2017-01-15"}]}}', policy)
        as_yaml = load("as_of: 2017-07-31\nemployer:\n  name: 企业\n  hires:\n"
                       "    - worker: {age: 30, rural_registered_poor: true}\n"
                       "      contract_months: 12\n      hired_on: 2017-01-15\n", policy)
        assert as_json == as_yaml
        assert as_json["as_of"] == dt.date(2017, 7, 31)
        assert as_json["employer"]["hires"][0]["hired_on"] == dt.date(2017, 1, 15)
        assert as_json["employer"]["hires"][0]["worker"]["age"] == 30

    def test_json_with_bom_and_leading_space(self, policy):
        facts = load('\ufeff  \n{"labourer": {"age": 30}}', policy)
        assert facts == {"labourer": {"age": 30}}

    def test_dates_from_strings(self, policy):
        facts = coerce_claim({"labourer": {"born": "1990-02-28"}, "as_of": " 2017-07-31 "}, policy.schema)
        assert facts["labourer"]["born"] == dt.date(1990, 2, 28)
        assert facts["as_of"] == dt.date(2017, 7, 31)
        datetime_value = coerce_claim({"labourer": {"born": dt.datetime(1990, 2, 28, 8, 30)}}, policy.schema)
        assert datetime_value["labourer"]["born"] == dt.date(1990, 2, 28)
        assert type(datetime_value["labourer"]["born"]) is dt.date

    @pytest.mark.parametrize("bad", ["1990-02-30", "28/02/1990", "1990-2-28x", 19900228, True])
    def test_bad_dates(self, policy, bad):
        err = claim_error(lambda: coerce_claim({"labourer": {"born": bad}}, policy.schema))
        assert err.code == "C001" and err.path == "labourer.born"

    def test_impossible_date_in_yaml_text(self, policy):
        """Refused where it stands, as a date it is not, with the claim's other problems."""
        from subsidy_rules.claims import coerce_document, parse_document

        err = claim_error(lambda: coerce_document(parse_document("as_of: 2017-02-30\nlabourer: {age: x}\n"), policy.schema))
        text = err.message("en")
        assert "<claim>:1:8" in text and "as_of: expected a date written YYYY-MM-DD (e.g. 2017-07-31), got '2017-02-30'" in text
        assert "labourer.age: expected an integer, got 'x'" in text

    def test_money_and_decimal_are_exact(self, policy):
        facts = load('{"labourer": {"income": 1234.50, "share": 0.1}}', policy)
        assert facts["labourer"]["income"] == Decimal("1234.50")
        assert str(facts["labourer"]["income"]) == "1234.50"
        assert facts["labourer"]["share"] == Decimal("0.1")
        yaml_facts = load("labourer: {income: 200000.10, share: 0.95}\n", policy)
        assert str(yaml_facts["labourer"]["income"]) == "200000.10"
        assert yaml_facts["labourer"]["share"] == Decimal("0.95")

    def test_float_money_from_python_is_taken_as_written(self, policy):
        facts = coerce_claim(json.loads('{"labourer": {"income": 0.1, "share": 1234.5}}'), policy.schema)
        assert facts["labourer"]["income"] == Decimal("0.1")     # not 0.1000000000000000055511151231257827
        assert facts["labourer"]["share"] == Decimal("1234.5")
        assert isinstance(facts["labourer"]["income"], Decimal)

    @pytest.mark.parametrize("text, value", [("1,234.50", "1234.50"), (" 0.95 ", "0.95"), ("200000", "200000")])
    def test_money_from_text(self, policy, text, value):
        facts = coerce_claim({"labourer": {"income": text}}, policy.schema)
        assert facts["labourer"]["income"] == Decimal(value)

    def test_integer_forms(self, policy):
        assert coerce_claim({"labourer": {"age": Decimal("30.0")}}, policy.schema)["labourer"]["age"] == 30
        assert type(coerce_claim({"labourer": {"age": Decimal("30.0")}}, policy.schema)["labourer"]["age"]) is int
        for bad in (Decimal("30.5"), "30", True, 30.5):
            err = claim_error(lambda: coerce_claim({"labourer": {"age": bad}}, policy.schema))
            assert err.code == "C001" and err.path == "labourer.age"

    def test_text_from_numbers(self, policy):
        assert coerce_claim({"labourer": {"name": 123}}, policy.schema)["labourer"]["name"] == "123"

    def test_null_is_unknown(self, policy):
        facts = load("labourer:\n  age: ~\n  status: null\n", policy)
        assert facts == {"labourer": {"age": None, "status": None}}

    def test_read_claim_files(self, policy, tmp_path):
        yaml_path = write(tmp_path / "c.yaml", "labourer: {age: 30, income: 10.5}\n")
        json_path = tmp_path / "c.json"
        json_path.write_bytes(b'\xef\xbb\xbf{"labourer": {"age": 30, "income": 10.5}}')
        assert read_claim(yaml_path, policy.schema) == read_claim(json_path, policy.schema) == {
            "labourer": {"age": 30, "income": Decimal("10.5")}}
        err = claim_error(lambda: read_claim(tmp_path / "nope.json", policy.schema))
        assert err.code == "C011"
        gbk = tmp_path / "gbk.yaml"
        gbk.write_bytes("labourer: {name: 张三}\n".encode("gbk"))
        assert claim_error(lambda: read_claim(gbk, policy.schema)).code == "C004"


class TestRefused:
    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_in_json(self, policy, constant):
        err = claim_error(lambda: parse_text('{"labourer": {"income": %s}}' % constant))
        assert err.code == "C004"
        assert constant.lstrip("-") in err.message("en")

    @pytest.mark.parametrize("text", ["labourer: {income: .nan}\n", "labourer: {income: .inf}\n"])
    def test_nan_and_infinity_in_yaml(self, text):
        assert claim_error(lambda: parse_text(text)).code == "C004"

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+20"), Decimal("1E-20"), 10**16])
    def test_numbers_out_of_range(self, policy, value):
        err = claim_error(lambda: coerce_claim({"labourer": {"income": value}}, policy.schema))
        assert err.code == "C005" and err.path == "labourer.income"

    def test_huge_json_number(self, policy):
        err = claim_error(lambda: load('{"labourer": {"income": 1e400}}', policy))
        assert err.code == "C005"

    def test_unknown_field_with_suggestion(self, policy):
        err = claim_error(lambda: load('{"employer": {"hires": [{"contract_month": 12}]}}', policy))
        assert err.code == "C002"
        assert err.path == "employer.hires[0].contract_month"
        assert err.suggestions == ("contract_months",)
        assert "did you mean 'contract_months'" in err.message("en")
        assert "contract_months" in err.message("zh")

    def test_unknown_entity_with_suggestion(self, policy):
        err = claim_error(lambda: load("employr: {}\n", policy))
        assert err.code == "C003" and err.suggestions == ("employer",)

    def test_no_known_entity(self, policy):
        assert claim_error(lambda: load("as_of: 2017-07-31\n", policy)).code == "C007"

    def test_wrong_enum_value(self, policy):
        err = claim_error(lambda: load("labourer: {status: employd}\n", policy))
        assert err.code == "C006"
        assert err.path == "labourer.status"
        assert "employed" in err.suggestions
        assert "employed, unemployed" in err.message("en")

    def test_wrong_jurisdiction(self, policy):
        err = claim_error(lambda: load("jurisdiction: 苍西县\nlabourer: {}\n", policy))
        assert err.code == "C012" and "苍溪县" in err.suggestions

    @pytest.mark.parametrize("text, path", [
        ("labourer: [1, 2]\n", "labourer"),
        ("employer: {hires: {a: 1}}\n", "employer.hires"),
        ("employer: {hires: [1]}\n", "employer.hires[0]"),
        ("employer: {hires: [~]}\n", "employer.hires[0]"),
        ("employer: {hires: [{worker: 张三}]}\n", "employer.hires[0].worker"),
        ("labourer: {rural_registered_poor: yes please}\n", "labourer.rural_registered_poor"),
        ("labourer: {rural_registered_poor: 1}\n", "labourer.rural_registered_poor"),
    ])
    def test_wrong_shapes_name_the_path(self, policy, text, path):
        err = claim_error(lambda: load(text, policy))
        assert err.code == "C001" and err.path == path

    def test_not_a_mapping(self, policy):
        for text in ('"text"', "[1, 2]", "", "- a\n"):
            assert claim_error(lambda: load(text, policy)).code == "C001"

    def test_yaml_aliases_refused(self, policy):
        err = claim_error(lambda: load("labourer: &a {age: 1}\nemployer: *a\n", policy))
        assert err.code == "C004"

    def test_bad_syntax(self):
        assert claim_error(lambda: parse_text('{"labourer": ')).code == "C004"
        assert claim_error(lambda: parse_text("labourer: [1, 2\n")).code == "C004"


class TestDepth:
    def test_deep_json_is_refused_without_recursion_error(self):
        for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
            err = claim_error(lambda: parse_text(text))
            assert err.code in ("C004", "C010")

    def test_deep_yaml_is_refused_without_recursion_error(self):
        for text in ("- " * 5_000 + "x\n", "a: " + "[" * 5_000 + "]" * 5_000 + "\n", "a: " + "{b: " * 3_000 + "1" + "}" * 3_000):
            err = claim_error(lambda: parse_text(text))
            assert err.code in ("C004", "C010")

    def test_deep_records_are_bounded(self, policy, tmp_path):
        """A schema whose records nest (a labourer's mentor is a labourer): depth is limited."""
        directory = copy_mini(tmp_path)
        schema = directory / "schema.yaml"
        text = schema.read_text(encoding="utf-8")
        schema.write_text(text.replace("      status: {type: enum",
                                       "      mentor: {type: record, of: labourer, label: {zh: 导师, en: Mentor}}\n"
                                       "      status: {type: enum", 1), encoding="utf-8")
        deep_policy = subsidy_rules.load_policy(directory)
        data: dict = {"age": 1}
        for _ in range(MAX_DEPTH + 5):
            data = {"mentor": data}
        err = claim_error(lambda: coerce_claim({"labourer": data}, deep_policy.schema))
        assert err.code == "C010"
        shallow: dict = {"age": 1}
        for _ in range(5):
            shallow = {"mentor": shallow}
        assert coerce_claim({"labourer": shallow}, deep_policy.schema)["labourer"]["mentor"]["mentor"]

    def test_deep_json_through_the_cli(self, tmp_path):
        import io

        from subsidy_rules.cli import main
        from conftest import MINI

        path = tmp_path / "deep.json"
        path.write_text('{"labourer": ' + "[" * 50_000 + "]" * 50_000 + "}", encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        assert main(["explain", str(path), "--policy", str(MINI)], stdout=out, stderr=err) == 2
        assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
        assert "C010" in err.getvalue()


def test_claims_drive_decisions(policy):
    facts = load("as_of: 2017-07-31\nemployer:\n  hires:\n"
                 "    - {worker: {rural_registered_poor: true}, contract_months: 12, social_insurance: true}\n", policy)
    decision = policy.explain(facts, "award")
    assert decision.outcome is subsidy_rules.Outcome.ELIGIBLE
    assert decision.amount == Decimal("1000.00")
