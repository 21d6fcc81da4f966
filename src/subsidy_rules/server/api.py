"""The /api/v1 handlers: read a bounded JSON body, call the public API, answer JSON (or text).

Every handler answers through `endpoint`, which turns the package's own errors
into the documented error body (code, message in `lang`, path) and anything
unexpected into a 500 that names only the request id: never a traceback, never
claim content.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..claims import coerce_claim, parse_text
from ..engine import Policy
from ..errors import ClaimError, EvaluationError, SubsidyRulesError, did_you_mean
from ..facts import describe, iso_date
from ..explain import document, json_value, render_markdown, render_text
from ..messages import LANGS, SERVER, render, suggestion_text, table_word_pair, type_word
from ..schemas import KINDS, schema_for
from . import documents
from .documents import ID_PATTERN, Example
from .openapi import document as openapi_document

LOG = logging.getLogger("subsidy_rules.server")
FORMATS = ("json", "text", "markdown")
LIST_OPTIONS = ("as_of", "rule", "lang", "format")
JSON_TYPE = "application/json; charset=utf-8"
INLINE_BYTES = 32 * 1024  # bodies up to this are decided on the event loop; larger ones in a worker thread


@attrs.frozen
class Limits:
    """What one request may send: body bytes, seconds to send it, claims in a list."""

    max_body: int = 4 * 1024 * 1024
    body_timeout: float = 10.0
    max_claims: int = 1000


@attrs.frozen(eq=False)
class Served:
    """One loaded policy with everything derived from it; replaced whole on reload."""

    policy: Policy
    examples: Dict[str, Example]
    listing: Dict[str, Any]
    facts: Dict[str, Any]
    trace: Optional[Callable[[str], Dict[str, Any]]] = None


def serve_policy(policy: Policy, examples: Dict[str, Example],
                 trace: Optional[Callable[[str], Dict[str, Any]]] = None) -> Served:
    return Served(policy, examples, documents.rules_listing(policy), documents.facts(policy), trace)


class ApiError(Exception):
    """A refusal with an HTTP status and a server message code (S001…)."""

    def __init__(self, status: int, code: str, at: Optional[str] = None, headers: Optional[Dict[str, str]] = None,
                 **args: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.path = at  # where in the request (a parameter or body key), as in the error body's "path"
        self.headers = headers or {}
        self.args_ = args

    def message(self, lang: str) -> str:
        args = dict(self.args_)
        if "suggestions" in args:
            args["suggestion"] = suggestion_text(tuple(args.pop("suggestions")), lang)
        args = {k: (v.get(lang) if hasattr(v, "get") and not isinstance(v, dict) else v) for k, v in args.items()}
        return f"[{self.code}] " + render(SERVER, self.code, lang, args)


# ------------------------------------------------------------------ responses


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> Response:
    return Response(dumps(data), status_code=status, media_type=JSON_TYPE, headers=dict(headers or {}))


def request_id(request: Request) -> str:
    return str(request.scope.get("request_id", ""))


def error_body(code: str, message: str, path: Optional[str], rid: str,
               diagnostics: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    if diagnostics is None:
        diagnostics = [{"code": code, "message": message, "path": path, "line": None, "column": None}]
    return {"error": {"code": code, "message": message, "path": path, "diagnostics": diagnostics}, "request_id": rid}


def claim_error(exc: SubsidyRulesError, lang: str) -> Tuple[str, str, Optional[str], List[Dict[str, Any]]]:
    """(code, message, path, diagnostics) of one of the package's own errors: one diagnostic per problem."""
    code = getattr(exc, "code", "E000")
    path = getattr(exc, "path", None) or None
    message = exc.message(lang)
    diagnostics = []
    problems = getattr(exc, "problems", None)  # a ClaimError that collected every problem of the claim
    if problems:
        for problem in problems:
            span = getattr(problem, "span", None)
            diagnostics.append({"code": problem.code, "message": f"[{problem.code}] " + problem.message(lang),
                                "path": problem.path or None, "line": getattr(span, "line", None),
                                "column": getattr(span, "column", None)})
    else:
        diagnostics.append({"code": code, "message": message, "path": path, "line": None, "column": None})
    for d in getattr(exc, "diagnostics", ()) or ():  # a PolicyError lists every problem
        entry = d.to_dict(lang)
        diagnostics.append({"code": entry.get("code"), "message": entry.get("message"), "path": entry.get("file"),
                            "line": entry.get("line"), "column": entry.get("column")})
    return code, message, path, diagnostics


def _status_of(exc: SubsidyRulesError) -> int:
    return 400 if getattr(exc, "code", "") == "C004" else 422


def error_response(request: Request, status: int, code: str, message: str, path: Optional[str],
                   diagnostics: Optional[List[Dict[str, Any]]] = None, headers: Optional[Mapping[str, str]] = None) -> Response:
    return json_response(error_body(code, message, path, request_id(request), diagnostics), status, headers)


def api_error_response(request: Request, exc: ApiError, lang: str) -> Response:
    return error_response(request, exc.status, exc.code, exc.message(lang), exc.path, headers=exc.headers)


Handler = Callable[[Request, Served, str], Awaitable[Response]]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refuse_control_characters(request: Request) -> None:
    """A route's pattern ends in `$`, which matches before a final line break: /api/v1/rules/x%0A
    would be served as /api/v1/rules/x. No address holds a control character."""
    path = request.scope.get("path", "")
    if _CONTROL.search(path):
        if request.path_params:  # an id was asked for
            raise ApiError(400, "S008", "id", value=path.rsplit("/", 1)[-1][:60])
        raise ApiError(404, "S004", None, path=path[:200])


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: pick `lang`, and turn every failure into the documented error body."""

    async def run(request: Request) -> Response:
        lang = request.query_params.get("lang", "zh")
        try:
            if lang not in LANGS:
                given, lang = lang, "zh"
                raise ApiError(400, "S011", "lang", name="lang", value=given[:40], choices=", ".join(LANGS))
            _refuse_control_characters(request)
            served: Served = request.app.state.served
            return await handler(request, served, lang)
        except ApiError as exc:
            return api_error_response(request, exc, lang)
        except SubsidyRulesError as exc:
            code, message, path, diagnostics = claim_error(exc, lang)
            return error_response(request, _status_of(exc), code, message, path, diagnostics)
        except Exception as exc:  # never a traceback to the caller, never claim content in the log
            LOG.error(json.dumps({"event": "internal_error", "request_id": request_id(request),
                                  "error": exc.__class__.__name__}))
            return api_error_response(request, ApiError(500, "S010", request_id=request_id(request)), lang)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


# ------------------------------------------------------------------ reading requests


async def read_body(request: Request, limits: Limits) -> bytes:
    """The request body, refused past ``max_body`` bytes or ``body_timeout`` seconds (slow senders)."""
    content_type = request.headers.get("content-type", "")
    media, _, rest = content_type.partition(";")
    charset = ""
    for part in rest.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media.strip().lower() != "application/json" or charset not in ("", "utf-8", "utf8"):
        raise ApiError(415, "S002", actual=content_type[:60] or "—")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body:
        raise ApiError(413, "S001", limit=limits.max_body, headers={"Connection": "close"})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.body_timeout
    chunks: List[bytes] = []
    size = 0
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise asyncio.TimeoutError
            message = await asyncio.wait_for(request.receive(), remaining)
        except asyncio.TimeoutError:
            raise ApiError(408, "S006", limit=limits.body_timeout, headers={"Connection": "close"}) from None
        if message["type"] == "http.disconnect":
            raise ApiError(400, "S006", limit=limits.body_timeout)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limits.max_body:  # Content-Length may lie or be absent (chunked): count what arrives
            raise ApiError(413, "S001", limit=limits.max_body, headers={"Connection": "close"})
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def read_json(request: Request, limits: Limits) -> Tuple[Any, int]:
    """(data, body size). JSON only (no YAML over HTTP): NaN, Infinity and repeated keys refused by parse_text."""
    body = await read_body(request, limits)
    if len(body) > INLINE_BYTES:
        return await run_in_threadpool(_parse, body), len(body)
    return _parse(body), len(body)


def _parse(body: bytes) -> Any:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimError("C004", "", detail=table_word_pair("body-not-utf8")) from None
    if not text.lstrip().startswith(("{", "[")):
        raise ClaimError("C004", "", detail=table_word_pair("body-not-json"))
    return parse_text(text, "<request>")


@attrs.frozen
class Options:
    as_of: Optional[_dt.date]
    rule: Optional[str]
    lang: str
    format: str


def _options(request: Request, lang: str, extra: Mapping[str, Any]) -> Options:
    """as_of, rule, lang, format from the query, else from the body keys next to "claims"."""
    def pick(name: str) -> Any:
        value = request.query_params.get(name)
        return value if value is not None else extra.get(name)

    as_of = pick("as_of")
    day = None
    if as_of is not None:
        try:
            day = iso_date(str(as_of))
        except ValueError:
            raise ApiError(400, "S011", "as_of", name="as_of", value=str(as_of)[:40], choices="YYYY-MM-DD") from None
    rule = pick("rule")
    if rule is not None and (not isinstance(rule, str) or not ID_PATTERN.fullmatch(rule)):
        raise ApiError(400, "S008", "rule", value=str(rule)[:60])
    given_lang = pick("lang")
    given_lang = lang if given_lang is None else given_lang
    if given_lang not in LANGS:
        raise ApiError(400, "S011", "lang", name="lang", value=str(given_lang)[:40], choices=", ".join(LANGS))
    fmt = pick("format")
    fmt = "json" if fmt is None else fmt
    if fmt not in FORMATS:
        raise ApiError(400, "S011", "format", name="format", value=str(fmt)[:40], choices=", ".join(FORMATS))
    return Options(day, rule, given_lang, fmt)


def _claims_and_options(request: Request, data: Any, lang: str, limits: Limits) -> Tuple[Optional[List[Any]], Any, Options]:
    """(list of claims or None, the single claim, options)."""
    if isinstance(data, dict) and "claims" in data:
        for key in data:
            if key != "claims" and key not in LIST_OPTIONS:
                raise ApiError(422, "S012", key, key=key, expected=f"claims, {', '.join(LIST_OPTIONS)}")
        claims = data["claims"]
        if not isinstance(claims, list):
            raise ClaimError("C001", "claims", expected=type_word("list"), actual=describe(claims))
        if len(claims) > limits.max_claims:
            raise ApiError(422, "S007", "claims", limit=limits.max_claims, actual=len(claims))
        return claims, None, _options(request, lang, data)
    return None, data, _options(request, lang, {})


# ------------------------------------------------------------------ decide / explain


def _decisions(policy: Policy, data: Any, options: Options):
    claim = coerce_claim(data, policy.schema, policy.info.counties)
    try:
        decisions = policy.evaluate(claim, rule=options.rule, as_of=options.as_of)
    except EvaluationError as exc:
        raise _named_in_policy_folder(exc, policy.model.root) from None
    if not decisions:
        raise ClaimError("C007", "", choices=", ".join(sorted({r.applies_to for r in policy.rules})))
    return decisions


def _named_in_policy_folder(exc: EvaluationError, root: str) -> EvaluationError:
    """The error with its rule file named from the policy folder (rules/r.yaml:12:5), as policy staff
    know it: where the server keeps its files is no business of the API's callers."""
    if exc.span is None:
        return exc
    file = Path(exc.span.file)
    try:
        shown = file.resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        shown = file.name
    return EvaluationError(exc.code, exc.expr, exc.rule, attrs.evolve(exc.span, file=shown), exc.operands)


def _short(decisions: Sequence[Any]) -> Dict[str, Any]:
    return {"decisions": [{"rule": d.rule.id, "outcome": d.outcome.value, "amount": json_value(d.amount)}
                          for d in decisions]}


def _error_entry(exc: SubsidyRulesError, lang: str) -> Dict[str, Any]:
    code, message, path, diagnostics = claim_error(exc, lang)
    return {"error": {"code": code, "message": message, "path": path, "diagnostics": diagnostics}}


def _render(decisions: Sequence[Any], options: Options) -> str:
    if options.format == "markdown":
        return render_markdown(decisions, options.lang)
    return render_text(decisions, options.lang)


def _short_text(decisions: Sequence[Any], options: Options) -> str:
    rows = _short(decisions)["decisions"]
    if options.format == "markdown":
        lines = ["| rule | outcome | amount |", "| --- | --- | --- |"]
        lines += [f"| {r['rule']} | {r['outcome']} | {r['amount'] or ''} |" for r in rows]
    else:
        lines = [f"{r['rule']}\t{r['outcome']}\t{r['amount'] or ''}" for r in rows]
    return "\n".join(lines) + "\n"


TEXT_TYPES = {"text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}


async def _answer(request: Request, served: Served, lang: str, explain: bool) -> Response:
    limits: Limits = request.app.state.limits
    data, size = await read_json(request, limits)
    claims, single, options = _claims_and_options(request, data, lang, limits)
    policy = served.policy
    if options.rule is not None and options.rule not in policy.rule_ids:
        # the request's own mistake, said once: not again in the answer for each of its claims
        raise ClaimError("C008", "", did_you_mean(options.rule, policy.rule_ids), rule=options.rule)

    def one(item: Any) -> Tuple[Optional[Any], Optional[SubsidyRulesError]]:
        try:
            return _decisions(policy, item, options), None
        except SubsidyRulesError as exc:
            return None, exc

    if claims is None:
        def answer() -> Response:
            decisions = _decisions(policy, single, options)
            if options.format != "json":
                text = _render(decisions, options) if explain else _short_text(decisions, options)
                return Response(text, media_type=TEXT_TYPES[options.format])
            return json_response(document(decisions, options.lang) if explain else _short(decisions))

        # a small claim takes well under a millisecond: a thread hop would cost more than it saves
        return answer() if size <= INLINE_BYTES else await run_in_threadpool(answer)

    outcomes = await run_in_threadpool(lambda: [one(item) for item in claims])  # keep the loop answering others
    if options.format != "json":
        blocks = []
        for decisions, error in outcomes:
            if error is not None:
                blocks.append(error.message(options.lang) + "\n")
            else:
                blocks.append(_render(decisions, options) if explain else _short_text(decisions, options))
        separator = "\n---\n\n" if options.format == "markdown" else "\n"
        return Response(separator.join(blocks), media_type=TEXT_TYPES[options.format])
    results = []
    for decisions, error in outcomes:
        if error is not None:
            results.append(_error_entry(error, options.lang))
        else:
            results.append(document(decisions, options.lang) if explain else _short(decisions))
    return json_response({"results": results})


@endpoint
async def explain(request: Request, served: Served, lang: str) -> Response:
    """Decide and explain: the same JSON as `subsidy-rules explain --format json`."""
    return await _answer(request, served, lang, explain=True)


@endpoint
async def decide(request: Request, served: Served, lang: str) -> Response:
    """Outcome and amount per rule, nothing else."""
    return await _answer(request, served, lang, explain=False)


# ------------------------------------------------------------------ reading the policy


def _checked_id(value: str, name: str = "id") -> str:
    if not ID_PATTERN.fullmatch(value) or len(value) > 100:
        raise ApiError(400, "S008", name, value=value[:60])
    return value


@endpoint
async def rules(request: Request, served: Served, lang: str) -> Response:
    return json_response(served.listing)


@endpoint
async def rule(request: Request, served: Served, lang: str) -> Response:
    rule_id = _checked_id(request.path_params["rule_id"])  # before any lookup: no path ever reaches the files
    options = _options(request, lang, {})
    if rule_id not in served.policy.rule_ids:
        exc = ClaimError("C008", "", did_you_mean(rule_id, served.policy.rule_ids), rule=rule_id)
        code, message, path, diagnostics = claim_error(exc, lang)
        return error_response(request, 404, code, message, path, diagnostics)
    return json_response(documents.rule_detail(served.policy, rule_id, options.as_of or _dt.date.today()))


@endpoint
async def facts(request: Request, served: Served, lang: str) -> Response:
    return json_response(served.facts)


@endpoint
async def schema(request: Request, served: Served, lang: str) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise ApiError(404, "S011", "kind", name="kind", value=kind[:40], choices=", ".join(KINDS))
    return json_response(schema_for(kind, served.policy.schema))


@endpoint
async def examples(request: Request, served: Served, lang: str) -> Response:
    return json_response({"examples": [{"name": e.name, "rules": list(e.rules), "comment": e.comment}
                                       for e in served.examples.values()]})


@endpoint
async def example(request: Request, served: Served, lang: str) -> Response:
    name = _checked_id(request.path_params["name"], "name")
    found = served.examples.get(name)
    if found is None:
        raise ApiError(404, "S009", "name", name=name, suggestions=did_you_mean(name, served.examples))
    return json_response(found.data)


@endpoint
async def trace(request: Request, served: Served, lang: str) -> Response:
    if served.trace is None:
        raise ApiError(404, "S004", None, path=request.url.path[:200])
    return json_response(served.trace(lang))


@endpoint
async def health(request: Request, served: Served, lang: str) -> Response:
    return json_response({"status": "ok", "policy": served.policy.ref.to_dict()})


@endpoint
async def openapi(request: Request, served: Served, lang: str) -> Response:
    return json_response(openapi_document(served.policy))


def routes() -> List[BaseRoute]:
    """Everything under /api/v1."""
    return [
        Route("/api/v1/rules", rules, methods=["GET"]),
        Route("/api/v1/rules/{rule_id:path}", rule, methods=["GET"]),
        Route("/api/v1/facts", facts, methods=["GET"]),
        Route("/api/v1/schema/{kind:path}", schema, methods=["GET"]),
        Route("/api/v1/examples", examples, methods=["GET"]),
        Route("/api/v1/examples/{name:path}", example, methods=["GET"]),
        Route("/api/v1/decide", decide, methods=["POST"]),
        Route("/api/v1/explain", explain, methods=["POST"]),
        Route("/api/v1/trace", trace, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
        Route("/api/v1/health", health, methods=["GET"]),
    ]
