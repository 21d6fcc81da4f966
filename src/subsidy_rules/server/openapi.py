"""The OpenAPI 3.1 document of /api/v1, written out by hand so it says exactly what the handlers do.

The claim body's full JSON Schema is the one `subsidy-rules schema claim` prints
(served at /api/v1/schema/claim); it is embedded here under components, with its
draft-07 `definitions` references rewritten to component references.
"""

from __future__ import annotations

from typing import Any, Dict

from .. import __version__
from ..engine import Policy
from ..schemas import KINDS, schema_for

LABEL = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}, "required": ["zh", "en"]}
SOURCE = {"type": ["object", "null"], "properties": {"document": {"type": "string"}, "clause": {"type": "string"},
                                                      "quote": {"type": "string"}}}
DIAGNOSTIC = {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}, "path": {"type": ["string", "null"]},
    "line": {"type": ["integer", "null"]}, "column": {"type": ["integer", "null"]}}}
ERROR = {"type": "object", "required": ["error", "request_id"], "properties": {
    "error": {"type": "object", "required": ["code", "message", "path", "diagnostics"], "properties": {
        "code": {"type": "string", "examples": ["C001"]}, "message": {"type": "string"},
        "path": {"type": ["string", "null"]}, "diagnostics": {"type": "array", "items": DIAGNOSTIC}}},
    "request_id": {"type": "string"}}}


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, description: str, schema: Dict[str, Any], required: bool = False) -> Dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "description": description, "schema": schema}


LANG = _param("lang", "query", "language of words: zh (default) or en", {"type": "string", "enum": ["zh", "en"], "default": "zh"})
AS_OF = _param("as_of", "query", "evaluation date YYYY-MM-DD (default: the claim's as_of, else today)", {"type": "string", "format": "date"})
RULE = _param("rule", "query", "only this rule (its id)", {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"})
FORMAT = _param("format", "query", "json (default), text or markdown", {"type": "string", "enum": ["json", "text", "markdown"], "default": "json"})


def _errors(*statuses: int) -> Dict[str, Any]:
    words = {400: "malformed request (C004: not JSON, NaN, duplicate key; S008: bad id)", 401: "missing or wrong bearer token",
             404: "unknown rule, example or kind", 408: "the body came too slowly", 413: "body over the size limit",
             415: "not application/json", 422: "the claim does not fit the fact schema (C001…)", 500: "internal error"}
    return {str(s): {"description": words[s], "content": {"application/json": {"schema": _ref("Error")}}} for s in statuses}


def _ok(schema: Dict[str, Any], description: str = "OK", text: bool = False) -> Dict[str, Any]:
    content: Dict[str, Any] = {"application/json": {"schema": schema}}
    if text:
        content["text/plain"] = {"schema": {"type": "string"}}
        content["text/markdown"] = {"schema": {"type": "string"}}
    return {"200": {"description": description, "content": content}}


def _get(summary: str, schema: Dict[str, Any], *params: Dict[str, Any], errors=(401, 500)) -> Dict[str, Any]:
    return {"get": {"summary": summary, "parameters": [LANG, *params], "responses": {**_ok(schema), **_errors(*errors)}}}


def _post(summary: str, schema: Dict[str, Any]) -> Dict[str, Any]:
    body = {"required": True, "content": {"application/json": {"schema": {"oneOf": [_ref("Claim"), _ref("ClaimList")]}}}}
    return {"post": {"summary": summary, "parameters": [LANG, AS_OF, RULE, FORMAT], "requestBody": body,
                     "responses": {**_ok({"oneOf": [schema, _ref("Results")]}, text=True),
                                   **_errors(400, 401, 408, 413, 415, 422, 500)}}}


def _claim_components(policy: Policy) -> Dict[str, Any]:
    claim = schema_for("claim", policy.schema)
    definitions = claim.pop("definitions", {})
    claim.pop("$schema", None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (v.replace("#/definitions/", "#/components/schemas/claim.") if k == "$ref" and isinstance(v, str)
                        else rewrite(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    found = {"Claim": rewrite(claim)}
    for name, value in definitions.items():
        found[f"claim.{name}"] = rewrite(value)
    return found


def document(policy: Policy) -> Dict[str, Any]:
    obj = {"type": "object"}
    decision_short = {"type": "object", "properties": {"decisions": {"type": "array", "items": {
        "type": "object", "properties": {"rule": {"type": "string"}, "outcome": {"type": "string", "enum": ["eligible", "ineligible", "undetermined"]},
                                         "amount": {"type": ["string", "null"]}}}}}}
    explanation = {"type": "object", "description": "the `subsidy-rules explain --format json` document (docs/embedding.md)",
                   "properties": {"as_of": {"type": "string"}, "policy": obj, "decisions": {"type": "array", "items": obj}}}
    schemas = {
        "Error": ERROR, "Label": LABEL, "Source": SOURCE,
        "ClaimList": {"type": "object", "required": ["claims"], "properties": {
            "claims": {"type": "array", "maxItems": 1000, "items": _ref("Claim")},
            "as_of": {"type": "string", "format": "date"}, "rule": {"type": "string"},
            "lang": {"type": "string", "enum": ["zh", "en"]}, "format": {"type": "string", "enum": ["json", "text", "markdown"]}}},
        "Results": {"type": "object", "properties": {"results": {"type": "array", "items": {
            "description": "a document (as for one claim) or {error: …} for a claim that was refused", "type": "object"}}}},
        "Decisions": decision_short, "Explanation": explanation,
        "RuleSummary": {"type": "object", "properties": {
            "id": {"type": "string"}, "version": {"type": "integer"}, "kind": {"type": "string"}, "title": _ref("Label"),
            "applies_to": {"type": "string"}, "source": _ref("Source"),
            "in_force": {"type": "object", "properties": {"from": {"type": "string"}, "until": {"type": ["string", "null"]}}}}},
        **_claim_components(policy),
    }
    rule_id = _param("rule_id", "path", "rule id", {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"})
    return {
        "openapi": "3.1.0",
        "info": {"title": "subsidy-rules", "version": __version__,
                 "description": f"Policy {policy.name} {policy.version}: rules, facts and explained decisions."},
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}, {}],
        "paths": {
            "/api/v1/rules": _get("every rule", {"type": "object", "properties": {"rules": {"type": "array", "items": _ref("RuleSummary")}}}),
            "/api/v1/rules/{rule_id}": _get("one rule: conditions in words, source quotes, parameters by date and county",
                                            obj, rule_id, AS_OF, errors=(400, 401, 404, 500)),
            "/api/v1/facts": _get("the fact schema, for building forms", obj),
            "/api/v1/schema/{kind}": _get("a JSON Schema, as `subsidy-rules schema KIND` prints", obj,
                                          _param("kind", "path", "kind of file", {"type": "string", "enum": list(KINDS)}),
                                          errors=(401, 404, 500)),
            "/api/v1/examples": _get("the bundled example claims", obj),
            "/api/v1/examples/{name}": _get("one example claim, as JSON", _ref("Claim"),
                                            _param("name", "path", "example name", {"type": "string"}), errors=(400, 401, 404, 500)),
            "/api/v1/decide": _post("outcome and amount per rule", _ref("Decisions")),
            "/api/v1/explain": _post("decisions with their reasons", _ref("Explanation")),
            "/api/v1/trace": _get("the letter sentence by sentence, with the rules that cite it", obj),
            "/api/v1/openapi.json": _get("this document", obj),
            "/api/v1/health": {"get": {"summary": "liveness and the policy served", "security": [{}],
                                       "responses": _ok({"type": "object", "properties": {"status": {"const": "ok"}, "policy": obj}})}},
        },
    }
