"""The page for policy staff, in a real headless Chromium against a live server.

The walk-through of issue 10: choose the hiring award, load the 12-hire
example (9,000.00; three workers fail, each with a reason), give the worker
whose contract is too short a 12-month contract (10,000.00), switch to English,
open the letter. Screenshots of each state are kept (see conftest.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

import subsidy_rules
from subsidy_rules.claims import coerce_claim, parse_text
from subsidy_rules.explain import render_text

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need the pip package `playwright` (pip install playwright)")
expect = sync_api.expect

EXAMPLE = "hiring-award-eligible"
REPO = Path(__file__).resolve().parents[2]


def shot(page, folder: Path, name: str, full: bool = False) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


def open_page(page, live_server, fragment: str = "") -> None:
    page.goto(live_server.url + "/" + fragment)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def choose_rule(page, rule: str) -> None:
    page.get_by_test_id("rule-select").select_option(rule)
    expect(page.get_by_test_id("rule-source")).to_contain_text("依据")


def load_example(page, name: str) -> None:
    page.get_by_test_id("example-select").select_option(name)
    page.get_by_test_id("example-load").click()


def cli_failing_reasons(text: str, index: int):
    """The failed conditions under the item at JSON index `index` (people count from 1: 第{index+1}名)
    in the CLI's text explanation, without their ✗."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if re.match(rf"\s*✗ 第{index + 1}名 ", line))
    indent = len(lines[head]) - len(lines[head].lstrip())
    reasons = []
    for line in lines[head + 1:]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip().startswith("✗ "):
            reasons.append(line.strip()[2:])
    return reasons


def expect_cli_reasons(item, cli_text: str, index: int) -> None:
    """A failing item on the page gives the CLI's sentences for its failed conditions (the condition's
    label may be left out where the sentence starts with it)."""
    wanted = cli_failing_reasons(cli_text, index)
    assert wanted, index
    reasons = item.get_by_test_id("failing-reason")
    expect(reasons).to_have_count(len(wanted))
    for shown, cli in zip(reasons.all_text_contents(), wanted):
        assert shown and cli.endswith(shown), (shown, cli)


def test_walk_through(page, live_server, screenshot_dir, problems):
    # (1) the page, in Chinese first; choose the hiring award
    open_page(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("tab-claim")).to_have_text("申报测算")
    choose_rule(page, "hiring-award")
    expect(page.get_by_test_id("entity-employer")).to_contain_text("用人单位")
    expect(page.get_by_test_id("add-employer.hires")).to_be_visible()
    shot(page, screenshot_dir, "01-hiring-award")

    # (2) the 12-hire example: 9,000.00, and the three workers who fail with their reasons
    policy = subsidy_rules.load_policy()
    claim = coerce_claim(parse_text((REPO / "examples" / "claims" / f"{EXAMPLE}.yaml").read_text("utf-8")), policy.schema)
    cli_text = render_text(policy.evaluate(claim, rule="hiring-award"), "zh")
    load_example(page, EXAMPLE)
    expect(page.get_by_test_id("amount")).to_have_text("9,000.00")
    expect(page.get_by_test_id("amount-unit")).to_have_text("元")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "eligible")
    expect(page.get_by_test_id("outcome")).to_contain_text("符合条件")
    failing = page.get_by_test_id("failing-item")
    expect(failing).to_have_count(3)
    expect(failing.nth(0)).to_contain_text("吴小红")
    expect(failing.nth(0)).to_contain_text("贫困家庭劳动者 = 否")
    expect(failing.nth(1)).to_contain_text("徐长林")
    expect(failing.nth(1).get_by_test_id("failing-reason")).to_contain_text("11个月")  # the contract that falls short
    expect(failing.nth(1)).to_contain_text("劳动合同期限(固定期限合同) 11个月,需要 12个月 以上(含),差 1个月")
    expect(failing.nth(2)).to_contain_text("孙丽萍")
    expect(failing.nth(2)).to_contain_text("已参加社会保险 = 否")
    # each failing worker's reasons are the CLI's sentences for the same claim
    for nth, index in enumerate((9, 10, 11)):
        expect(failing.nth(nth)).to_have_attribute("data-path", f"employer.hires[{index}]")
        expect_cli_reasons(failing.nth(nth), cli_text, index)
    text = page.get_by_test_id("explanation-text")
    # the same marks and sentences as the CLI
    expect(text).to_contain_text("✓ 企业吸纳就业奖补 (hiring-award) — 符合条件 · 金额 9,000.00 元")
    expect(text).to_contain_text("✗ 第11名 徐长林 — 不符合条件")  # people count from 1
    expect(text).to_contain_text("劳动合同期限(固定期限合同) 11个月,需要 12个月 以上(含),差 1个月")
    assert text.text_content() == cli_text
    expect(page.get_by_test_id("row-employer.hires[10]").locator(".mark")).to_have_text("✗")
    expect(page.get_by_test_id("row-employer.hires[0]").locator(".mark")).to_have_text("✓")
    shot(page, screenshot_dir, "02-example-9000")

    # (3) the worker failing on contract months gets a 12-month contract: 10,000.00
    contract = failing.filter(has=page.locator("[data-reason=contract-1-year]"))
    expect(contract).to_have_count(1)
    row = contract.get_attribute("data-path")
    assert row == "employer.hires[10]"
    page.get_by_test_id(f"row-{row}").click()  # unfold the row
    field = page.get_by_test_id(f"field-{row}.contract_months")
    expect(field).to_have_value("11")
    field.fill("12")
    expect(page.get_by_test_id("amount")).to_have_text("10,000.00")
    expect(failing).to_have_count(2)
    expect(text).to_contain_text("10 项符合,2 项不符合")
    expect(page.get_by_test_id(f"row-{row}").locator(".mark")).to_have_text("✓")
    shot(page, screenshot_dir, "03-contract-12-months-10000")

    # (4) English: the page's own words, the form's labels and the explanation
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("tab-claim")).to_have_text("Try a claim")
    expect(page.get_by_test_id("lang-switch")).to_have_text("中文")
    expect(page.get_by_test_id("outcome")).to_contain_text("Eligible")
    expect(page.get_by_test_id("amount")).to_have_text("10,000.00")
    expect(page.get_by_test_id("amount-unit")).to_have_text("yuan")
    expect(text).to_contain_text("Hiring award for enterprises")
    expect(page.get_by_test_id("entity-employer")).to_contain_text("Hired workers")
    months_label = policy.schema.entities["hire"].fields["contract_months"].label.en
    assert months_label.startswith("Length of the labour contract")
    expect(page.locator(f"label[for='f-{row}.contract_months']")).to_have_text(months_label)
    expect(failing.nth(0)).to_contain_text("Poor-household worker = no")
    # the edited value survived the switch
    expect(page.get_by_test_id(f"field-{row}.contract_months")).to_have_value("12")
    shot(page, screenshot_dir, "04-english")

    # (5) the letter, sentence by sentence, with links to what encodes each sentence
    page.get_by_test_id("tab-trace").click()
    expect(page.get_by_test_id("view-trace")).to_be_visible()
    sentences = page.get_by_test_id("trace-sentence")
    expect(sentences.first).to_be_visible()
    assert sentences.count() > 20
    links = page.get_by_test_id("trace-link")
    assert links.count() > 10
    expect(page.get_by_test_id("trace-uncovered")).to_be_visible()
    shot(page, screenshot_dir, "05-trace")
    # a link leads to the rule browser at the rule it names
    first = links.first
    rule = first.get_attribute("data-rule")
    first.click()
    expect(page.get_by_test_id("view-rules")).to_be_visible()
    expect(page.get_by_test_id("rule-title")).to_contain_text(rule)

    # nothing but this server was asked for anything: the page works offline
    outside = [url for url in problems.requests if not url.startswith(live_server.url) and not url.startswith(("data:", "blob:"))]
    assert outside == []


def test_missing_fact_link_focuses_its_field(page, live_server, screenshot_dir):
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    load_example(page, "hiring-award-undetermined")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "undetermined")
    link = page.get_by_test_id("missing-link")
    expect(link).to_have_count(1)
    path = "employer.hires[1].social_insurance"
    expect(link).to_have_attribute("data-path", path)
    expect(link).to_contain_text("已参加社会保险")
    field = page.get_by_test_id(f"field-{path}")
    link.click()
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(page.locator(f"[data-field='{path}']")).to_have_class(re.compile(r"\bhighlight\b"))
    shot(page, screenshot_dir, "06-missing-fact-focused")
    # settling the fact settles the decision: the link goes away
    field.select_option("true")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "eligible")
    expect(page.get_by_test_id("amount")).to_have_text("1,000.00")
    expect(page.get_by_test_id("missing")).to_be_hidden()
    # and "unknown" leaves the fact out again
    field.select_option("")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "undetermined")
    expect(link).to_have_attribute("data-path", path)


def test_downloads(page, live_server, tmp_path):
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    load_example(page, EXAMPLE)
    expect(page.get_by_test_id("amount")).to_have_text("9,000.00")
    schema = subsidy_rules.load_policy().schema
    expected = coerce_claim(parse_text((REPO / "examples" / "claims" / f"{EXAMPLE}.yaml").read_text("utf-8")), schema)

    def fetch(testid: str) -> str:
        with page.expect_download() as info:
            page.get_by_test_id(testid).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        return target.read_text("utf-8")

    claim_json = fetch("download-claim-json")
    assert coerce_claim(json.loads(claim_json), schema) == expected
    claim_yaml = fetch("download-claim-yaml")
    assert not claim_yaml.lstrip().startswith("{")
    assert coerce_claim(parse_text(claim_yaml), schema) == expected
    decision = json.loads(fetch("download-decision-json"))
    served = httpx.post(live_server.url + "/api/v1/explain", params={"rule": "hiring-award"}, json=json.loads(claim_json)).json()
    assert decision == served
    assert decision["decisions"][0]["outcome"] == "eligible"
    assert decision["decisions"][0]["amount"] == "9000.00"
    markdown = fetch("download-decision-md")
    assert "企业吸纳就业奖补" in markdown and "9,000.00" in markdown and "徐长林" in markdown


def test_rows_are_added_and_removed(page, live_server):
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    load_example(page, "hiring-award-undetermined")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "undetermined")
    page.get_by_test_id("add-employer.hires").click()
    expect(page.get_by_test_id("row-employer.hires[2]")).to_be_visible()
    new = page.get_by_test_id("field-employer.hires[2].contract_months")
    expect(new).to_be_visible()
    page.get_by_test_id("field-employer.hires[2].worker.name").fill("新员工")
    expect(page.get_by_test_id("row-employer.hires[2]")).to_contain_text("新员工")
    # removing the undetermined worker leaves only the one who fails, and the new empty row
    page.get_by_test_id("remove-employer.hires[1]").click()
    expect(page.get_by_test_id("row-employer.hires[2]")).to_have_count(0)
    expect(page.get_by_test_id("row-employer.hires[1]")).to_contain_text("新员工")
    page.get_by_test_id("remove-employer.hires[1]").click()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "ineligible")
    expect(page.get_by_test_id("explanation-text")).to_contain_text("0 项符合,1 项不符合")


def test_form_is_built_from_the_fact_schema(page, live_server):
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    load_example(page, EXAMPLE)
    expect(page.get_by_test_id("amount")).to_have_text("9,000.00")
    page.get_by_test_id("row-employer.hires[0]").click()
    row = "employer.hires[0]"
    # enum values are choices, worded in Chinese
    kind = page.get_by_test_id("field-employer.kind")
    expect(kind).to_have_value("enterprise")
    expect(kind.locator("option[value=enterprise]")).to_contain_text("企业")
    # booleans: unknown / yes / no
    insurance = page.get_by_test_id(f"field-{row}.social_insurance")
    assert insurance.locator("option").all_inner_texts() == ["未填报", "是", "否"]
    expect(insurance).to_have_value("true")
    # dates are date pickers, numbers number inputs, with the unit beside them
    expect(page.get_by_test_id(f"field-{row}.hired_on")).to_have_attribute("type", "date")
    expect(page.get_by_test_id(f"field-{row}.hired_on")).to_have_value("2017-03-01")
    months = page.get_by_test_id(f"field-{row}.contract_months")
    expect(months).to_have_attribute("type", "number")
    expect(page.locator(f"[data-field='{row}.contract_months'] .unit")).to_have_text("个月")
    # the explanation follows a choice
    kind.select_option("farmer_cooperative")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "ineligible")
    # the page names a CJK font Debian ships before the generic family
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "WenQuanYi Micro Hei" in family and "Noto Sans CJK SC" in family


def test_claim_error_links_to_its_field(page, live_server, problems):
    problems.allowed_status.add(422)
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    load_example(page, "hiring-award-undetermined")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "undetermined")
    months = page.get_by_test_id("field-employer.hires[0].contract_months")
    months.fill("11.5")  # not a whole number of months
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "error")
    error = page.get_by_test_id("explain-error")
    expect(error).to_contain_text("C001")
    link = page.get_by_test_id("error-link")
    expect(link).to_have_attribute("data-path", "employer.hires[0].contract_months")
    link.click()
    expect(months).to_be_focused()


def test_rule_browser(page, live_server, screenshot_dir):
    open_page(page, live_server, "#rules/hiring-award")
    expect(page.get_by_test_id("rule-title")).to_contain_text("企业吸纳就业奖补")
    items = page.get_by_test_id("rules-item")
    assert items.count() == len(subsidy_rules.load_policy().rules)
    detail = page.get_by_test_id("rule-detail")
    # conditions in words, the letter's sentence beside the rule
    condition = detail.locator("[data-condition=contract-1-year]")
    expect(condition).to_contain_text("劳动合同期限(固定期限合同) 12个月以上(含) 或 签订无固定期限劳动合同")
    expect(detail.locator("blockquote").first).to_contain_text("签订1年以上劳动合同")
    # parameter history by date
    award = detail.locator("[data-parameter=hiring_award_per_worker]")
    expect(award).to_contain_text("2016-06-01")
    expect(award).to_contain_text("1,000")
    shot(page, screenshot_dir, "07-rule-browser", full=True)
    # the letter names no county standard: the bundled floors have no county rows
    page.get_by_test_id("rules-item").filter(has_text="job-placement-service-subsidy").click()
    param = page.get_by_test_id("rule-detail").locator("[data-parameter=job_placement_subsidy_per_person]")
    expect(param).to_contain_text("300")
    expect(param.locator("tr.override")).to_have_count(0)


def test_rule_browser_shows_a_county_standard_with_its_source(page, override_server, screenshot_dir):
    # a policy where 苍溪县 raises the city floor from 2017, citing its own document
    page.goto(override_server.url + "/#rules/award")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("rule-title")).to_contain_text("award")
    param = page.get_by_test_id("rule-detail").locator("[data-parameter=award_per_worker]")
    county = param.locator("tr[data-county=苍溪县]")
    expect(county).to_have_count(1)
    expect(county).to_contain_text("2017-01-01")
    expect(county).to_contain_text("1,300")
    expect(county.get_by_test_id("override-source")).to_have_text("依据:苍溪县示例文件〔2017〕1号 第二条")
    expect(param).to_contain_text("1,000")
    expect(param).to_contain_text("1,200")
    shot(page, screenshot_dir, "08-rule-browser-county", full=True)
    page.get_by_test_id("lang-switch").click()
    expect(county.get_by_test_id("override-source")).to_have_text("Source: 苍溪县示例文件〔2017〕1号 第二条")


def test_letter_links_lead_to_conditions_and_parameters(page, live_server):
    open_page(page, live_server, "#trace")
    sentence = page.get_by_test_id("trace-sentence").filter(has_text="签订1年以上劳动合同并参加社会保险的,给予企业1000元/人的奖补")  # the letter as restored
    expect(sentence).to_have_count(1)
    expect(sentence).to_have_class(re.compile(r"\bnormative\b"))
    # a condition link opens the rule with that condition marked
    sentence.locator("[data-testid=trace-link][data-kind=condition][data-id=contract-1-year]").first.click()
    expect(page.get_by_test_id("rule-title")).to_contain_text("hiring-award")
    expect(page.locator("#cond-contract-1-year")).to_have_class(re.compile(r"\bhighlight\b"))
    # a parameter link opens a rule that reads it, at its dated values
    page.go_back()
    expect(page.get_by_test_id("view-trace")).to_be_visible()
    sentence.locator("[data-testid=trace-link][data-kind=parameter][data-id=hiring_award_per_worker]").click()
    param = page.locator("#param-hiring_award_per_worker")
    expect(param).to_have_class(re.compile(r"\bhighlight\b"))
    expect(param).to_contain_text("2016-06-01")
    # sentences no rule covers are listed, each leading to its place in the letter
    uncovered = page.get_by_test_id("uncovered-link")
    page.go_back()
    expect(uncovered.first).to_be_visible()
    index = uncovered.first.get_attribute("data-index")
    uncovered.first.click()
    expect(page.locator(f"#s-{index}")).to_have_class(re.compile(r"\buncovered\b"))
    expect(page.locator(f"#s-{index}")).to_be_in_viewport()


def test_every_page_word_has_chinese_and_english(page, live_server):
    open_page(page, live_server)
    zh, en = page.evaluate("[Object.keys(subsidyPage.WORDS.zh), Object.keys(subsidyPage.WORDS.en)]")
    assert sorted(zh) == sorted(en)
    used = page.evaluate("[...document.querySelectorAll('[data-i18n]')].map((n) => n.dataset.i18n)")
    assert set(used) <= set(zh)
    missing = page.evaluate("Object.entries(subsidyPage.WORDS.en).filter(([k, v]) => !v || v === subsidyPage.WORDS.zh[k] && /[\\u4e00-\\u9fff]/.test(v)).map(([k]) => k)")
    assert missing == [], missing


def test_a_server_with_tokens_asks_for_one(page, guarded_server, problems):
    problems.allowed_status.add(401)
    page.goto(guarded_server.url + "/")
    box = page.get_by_test_id("token-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text("此服务需要访问令牌")
    expect(page.get_by_test_id("view-claim")).to_be_hidden()
    page.get_by_test_id("token-input").fill("wrong")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-refused")).to_be_visible()
    page.get_by_test_id("token-input").fill("page-test-token")
    page.get_by_test_id("token-submit").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(box).to_be_hidden()
    choose_rule(page, "hiring-award")
    load_example(page, EXAMPLE)
    expect(page.get_by_test_id("amount")).to_have_text("9,000.00")
    # kept for the tab: a reload does not ask again
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(box).to_be_hidden()


def _leaves(value, path=""):
    """(path, value) of every fact in a claim, in the form's path notation."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    elif value is not None:
        yield path, value


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_every_example_shows_in_the_form_and_decides_as_the_cli(page, live_server):
    """Each bundled example: every fact lands in its field, and the page's outcome is the CLI's."""
    open_page(page, live_server)
    policy = subsidy_rules.load_policy()
    examples = httpx.get(live_server.url + "/api/v1/examples").json()["examples"]
    assert len(examples) >= 24
    for example in examples:
        rule = example["rules"][0]
        page.get_by_test_id("rule-select").select_option(rule)
        expect(page.get_by_test_id("example-select").locator(f"option[value='{example['name']}']")).to_have_count(1)
        load_example(page, example["name"])
        expect(page.get_by_test_id("claim-form")).to_have_attribute("data-example", example["name"])
        expect(page.get_by_test_id("explain-status")).to_have_attribute("data-state", "status-done")
        data = httpx.get(live_server.url + f"/api/v1/examples/{example['name']}").json()
        shown = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#claim-form [data-testid^="field-"]')]
                                   .map((el) => [el.dataset.path, el.value]))""")
        for path, value in _leaves(data):
            if path == "id":
                continue
            assert path in shown, (example["name"], path)
            assert shown[path] == _shown(value), (example["name"], path, shown[path], value)
        # the claim as the page would download it reads back as the same claim, in YAML and in JSON
        expected = coerce_claim(data, policy.schema)
        assert coerce_claim(parse_text(page.evaluate("subsidyPage.toYaml(subsidyPage.cleanClaim())")), policy.schema) == expected, example["name"]
        assert coerce_claim(json.loads(page.evaluate("JSON.stringify(subsidyPage.cleanClaim())")), policy.schema) == expected
        decision = policy.evaluate(expected, rule=rule)[0]
        outcome = page.get_by_test_id("outcome")
        expect(outcome).to_have_attribute("data-outcome", decision.outcome.value)
        amount = page.get_by_test_id("amount")
        if decision.amount is None:
            expect(amount).to_have_text("—")
        else:
            expect(amount).to_have_text(f"{decision.amount:,.2f}")


def test_the_downloaded_yaml_reads_back_as_the_texts_typed(page, live_server):
    """Texts YAML would read as something else (a date, a list, YAML's "=", yes/no) or that hold a
    line break are quoted: the claim downloaded from the page reads back with the same texts."""
    open_page(page, live_server)
    texts = ["2017-07-31", "a\nb", "a\n- b", "=", "<<", "yes", "No", " lead", "trail ", "a: b", "#x", "a #b",
             "x\u2028y", "\u0085z", "中文", "plain text", "-1", "1e3", "0x1f", "null", "~", "@x", "a\tb", "'q'", '"dq"']
    text = page.evaluate("(texts) => subsidyPage.toYaml({labourer: {name: texts}})", texts)
    assert parse_text(text)["labourer"]["name"] == texts


def test_an_example_of_another_rule_brings_its_rule(page, live_server):
    open_page(page, live_server)
    choose_rule(page, "hiring-award")
    select = page.get_by_test_id("example-select")
    expect(select.locator("optgroup").first.locator("option")).to_have_count(3)  # hiring-award's own three
    load_example(page, "job-placement-service-subsidy-eligible")
    expect(page.get_by_test_id("rule-select")).to_have_value("job-placement-service-subsidy")
    expect(page.get_by_test_id("entity-job_agency")).to_be_visible()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "eligible")
    expect(page.get_by_test_id("example-comment")).to_be_visible()


def test_rule_browser_links_back_to_the_letter(page, live_server):
    open_page(page, live_server, "#rules/hiring-award")
    detail = page.get_by_test_id("rule-detail")
    # the rule's sentence and its condition on contract months both lead to the letter's sentence
    rule_link = detail.locator("blockquote").first.get_by_test_id("letter-link")
    expect(rule_link).to_have_count(1)
    expect(detail.locator("[data-condition=contract-1-year]").get_by_test_id("letter-link")).to_have_count(1)
    index = rule_link.get_attribute("data-index")
    rule_link.click()
    expect(page.get_by_test_id("view-trace")).to_be_visible()
    sentence = page.locator(f"#s-{index}")
    expect(sentence).to_have_class(re.compile(r"\bhighlight\b"))
    expect(sentence).to_be_in_viewport()
    expect(sentence).to_contain_text("签订1年以上劳动合同并参加社会保险")
    expect(sentence.locator("[data-testid=trace-link][data-rule=hiring-award]").first).to_be_visible()


def test_pending_amount_and_the_facts_that_fix_it(page, live_server, screenshot_dir):
    """Eligible with the amount pending (待定): the facts only the amount needs are links to their fields."""
    open_page(page, live_server)
    load_example(page, "startup-loan-interest-subsidy-eligible")
    expect(page.get_by_test_id("amount")).to_have_text("13,050.00")
    expect(page.get_by_test_id("amount-missing")).to_be_hidden()
    path = "loan.annual_interest_rate"
    field = page.get_by_test_id(f"field-{path}")
    field.fill("")
    outcome = page.get_by_test_id("outcome")
    expect(outcome).to_have_attribute("data-outcome", "eligible")  # the rate decides the amount, not eligibility
    expect(page.get_by_test_id("amount-box")).to_have_attribute("data-amount-status", "pending")
    expect(page.get_by_test_id("amount")).to_have_text("—")
    expect(page.get_by_test_id("amount-unit")).to_have_text("待定")
    expect(page.get_by_test_id("missing")).to_be_hidden()
    link = page.get_by_test_id("amount-missing-link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("data-path", path)
    expect(page.get_by_test_id("explanation-text")).to_contain_text("金额待定")
    shot(page, screenshot_dir, "09-amount-pending")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("amount-unit")).to_have_text("to be determined")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("amount-unit")).to_have_text("待定")
    link.click()
    expect(field).to_be_focused()
    expect(page.locator(f"[data-field='{path}']")).to_have_class(re.compile(r"\bhighlight\b"))
    # the fact given, the amount follows and the list goes away
    field.fill("0.0435")
    expect(page.get_by_test_id("amount")).to_have_text("13,050.00")
    expect(page.get_by_test_id("amount-box")).to_have_attribute("data-amount-status", "paid")
    expect(page.get_by_test_id("amount-missing")).to_be_hidden()


def test_an_amount_the_source_sets_no_standard_for(page, live_server):
    """Eligible, but the letter sets no standard for the amount: said so, never shown as 0."""
    open_page(page, live_server)
    load_example(page, "returnee-enterprise-hiring-subsidy-eligible")
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "eligible")
    expect(page.get_by_test_id("amount-box")).to_have_attribute("data-amount-status", "no_standard")
    expect(page.get_by_test_id("amount")).to_have_text("—")
    expect(page.get_by_test_id("amount-unit")).to_have_text("来函未规定标准")
    expect(page.get_by_test_id("amount-missing")).to_be_hidden()
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("amount-unit")).to_have_text("no standard in the source")
