"""diff: the same claims under two policies; what moved, why, and how much money."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from subsidy_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _raised(tmp_path: Path) -> Path:
    new = tmp_path / "new"
    shutil.copytree(ROOT / "policy", new)
    params = new / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    assert "      - {from: 2017-01-01, value: 400}" in text
    params.write_text(text.replace("      - {from: 2017-01-01, value: 400}", "      - {from: 2017-01-01, value: 450}"),
                      encoding="utf-8")
    return new


def test_a_county_rate_change_moves_only_that_countys_claims(tmp_path):
    new = _raised(tmp_path)
    out = io.StringIO()
    code = main(["diff", str(ROOT / "policy"), str(new), "--claims", str(ROOT / "examples" / "claims"),
                 "--format", "json", "--lang", "en"], stdout=out, stderr=io.StringIO())
    report = json.loads(out.getvalue())
    assert code == 1
    assert report["moved_claims"] >= 1
    for change in report["changes"]:
        assert change["rule"] == "job-placement-service-subsidy"
        assert change["old"]["outcome"] == change["new"]["outcome"] == "eligible"
        delta = float(change["amount_delta"])
        assert delta > 0 and delta % 50 == 0  # 50 yuan more per placed worker
        assert any(c["id"].endswith(":amount") for c in change["conditions"])
    assert float(report["money_moved"]) == sum(float(c["amount_delta"]) for c in report["changes"])


def test_identical_policies_move_nothing(tmp_path):
    out = io.StringIO()
    code = main(["diff", str(ROOT / "policy"), str(ROOT / "policy"), "--claims", str(ROOT / "examples" / "claims")],
                stdout=out, stderr=io.StringIO())
    assert code == 0
    assert "0 份申报的结论或金额有变化" in out.getvalue()


def test_claims_from_a_json_lines_table(tmp_path):
    new = _raised(tmp_path)
    table = tmp_path / "agencies.jsonl"
    claim = {"jurisdiction": "苍溪县", "as_of": "2017-07-31", "job_agency": {"name": "苍溪县劳务公司", "placements": []}}
    table.write_text(json.dumps(claim, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    out = io.StringIO()
    main(["diff", str(ROOT / "policy"), str(new), "--claims", str(table), "--format", "json"], stdout=out,
         stderr=io.StringIO())
    report = json.loads(out.getvalue())
    assert report["claims"] == 2
    assert [e["claim"] for e in report["errors"]][:1] == ["agencies.jsonl:2"]
