"""diff: the same claims under two policies; what moved, why, and how much money."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from subsidy_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent


CANGXI_CLAIM = {
    "as_of": "2017-07-31", "jurisdiction": "苍溪县",
    "job_agency": {"name": "苍溪县众诚劳务服务有限公司", "county_name": "苍溪县", "labour_export": True, "placements": [
        {"worker": {"name": name, "rural_registered_poor": True}, "free_of_charge": True, "contract_signed": True,
         "months_employed": 6} for name in ("何永福", "罗桂芳")]},
}


def _raised(tmp_path: Path) -> Path:
    """The bundled policy plus a county rate above the city floor, with its (invented) source."""
    new = tmp_path / "new"
    shutil.copytree(ROOT / "policy", new)
    params = new / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    assert "county_overrides: {}" in text
    params.write_text(text.replace("county_overrides: {}", """county_overrides:
  苍溪县:
    job_placement_subsidy_per_person:
      - {from: 2017-01-01, value: 450, source: {document: 苍溪县示例文件〔2017〕1号}}"""), encoding="utf-8")
    return new


def _claims(tmp_path: Path) -> Path:
    claims = tmp_path / "claims"
    shutil.copytree(ROOT / "examples" / "claims", claims)
    (claims / "cangxi-job-agency.json").write_text(json.dumps(CANGXI_CLAIM, ensure_ascii=False), encoding="utf-8")
    return claims


def test_a_county_rate_change_moves_only_that_countys_claims(tmp_path):
    new = _raised(tmp_path)
    out = io.StringIO()
    code = main(["diff", str(ROOT / "policy"), str(new), "--claims", str(_claims(tmp_path)),
                 "--format", "json", "--lang", "en"], stdout=out, stderr=io.StringIO())
    report = json.loads(out.getvalue())
    assert code == 1
    assert report["moved_claims"] == 1
    for change in report["changes"]:
        assert change["rule"] == "job-placement-service-subsidy"
        assert change["old"]["outcome"] == change["new"]["outcome"] == "eligible"
        delta = float(change["amount_delta"])
        assert delta == 300  # 150 yuan more for each of the two placed workers
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
