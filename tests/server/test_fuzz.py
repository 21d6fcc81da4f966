"""Random JSON bodies never get a 500: every answer is a decision or a 4xx with a diagnostic."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server_helpers import httpx

import subsidy_rules
from subsidy_rules.server.app import build_app

POLICY = subsidy_rules.load_policy()
APP = build_app(POLICY)
FIELDS = sorted({name for entity in POLICY.schema.entities.values() for name in entity.fields})
KEYS = st.sampled_from(FIELDS + sorted(POLICY.schema.entities) + ["as_of", "jurisdiction", "claims", "rule", ""])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(["2017-07-31", "2017-02-30", "enterprise", "利州区", "1e999", "-0"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)
BODIES = st.one_of(st.dictionaries(KEYS, VALUES, max_size=5),
                   st.dictionaries(st.sampled_from(sorted(POLICY.schema.entities)), st.dictionaries(KEYS, VALUES, max_size=6),
                                   min_size=1, max_size=2),
                   st.builds(lambda claims: {"claims": claims}, st.lists(st.dictionaries(KEYS, VALUES, max_size=3), max_size=3)))


async def _post(path: str, body: bytes, params: dict) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as client:
        return await client.post(path, content=body, params=params, headers={"content-type": "application/json"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, path=st.sampled_from(["/api/v1/decide", "/api/v1/explain"]),
       fmt=st.sampled_from(["json", "text", "markdown"]), lang=st.sampled_from(["zh", "en"]),
       rule=st.sampled_from([None, "hiring-award", "five-lists", "employment-base"]), cut=st.integers(0, 200))
def test_random_bodies_get_an_answer_or_a_diagnostic(body, path, fmt, lang, rule, cut):
    text = json.dumps(body, ensure_ascii=False)
    params = {"format": fmt, "lang": lang, **({"rule": rule} if rule else {})}
    for raw in (text.encode("utf-8"), text[:cut].encode("utf-8")):
        response = asyncio.run(_post(path, raw, params))
        assert response.status_code in (200, 400, 422), (response.status_code, response.text[:300])
        if response.status_code != 200:
            error = response.json()["error"]
            assert error["code"] and error["message"] and error["diagnostics"]
