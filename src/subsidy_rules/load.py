"""Policy folder -> PolicyModel, collecting every problem as a Diagnostic.

Reads policy.yaml, schema.yaml, parameters.yaml and rules/*.yaml with the
position-keeping loader of source.py. Nothing here stops at the first problem:
a bad part is skipped and reported, the rest is still read, so `check` can list
everything in one run. Expressions are parsed here; their types are checked in
check.py.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import model as m
from .errors import Diagnostic, did_you_mean
from .facts import iso_date
from .messages import Word, type_word
from .expr import parser as expr_parser
from .source import SourceFile, Span, YamlProblem, YMap, YNode, YScalar, YSeq, decode_source, parse_yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
UNNAMED_GROUP = re.compile(r"n[0-9]+")  # how a group without an id is named (sql.compile.col_name, explanations)
NAME_PATTERN = re.compile(r"^[^\W\d]\w*\Z")
RESERVED = {"count", "sum", "any", "all", "min", "max", "if", "then", "else", "and", "or", "not",
            "in", "of", "where", "true", "false", "as_of"}


class Collector:
    """Accumulates diagnostics for one load."""

    def __init__(self) -> None:
        self.diagnostics: List[Diagnostic] = []
        self._said: set = set()

    def error(self, code: str, span: Span, suggestions: Sequence[str] = (), severity: str = "error", **args: Any) -> None:
        said = (code, span, tuple(sorted((key, str(value)) for key, value in args.items())))
        if said in self._said:
            return  # two readers of one key met the same problem: said once
        self._said.add(said)
        self.diagnostics.append(Diagnostic(code, span, args, tuple(suggestions), severity))

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def _kind_of(node: Optional[YNode]) -> str:
    if isinstance(node, YMap):
        return "mapping"
    if isinstance(node, YSeq):
        return "sequence"
    if node is None:
        return "null"
    value = node.value  # type: ignore[union-attr]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, _dt.date):
        return "date"
    return "text"


class Fields:
    """Reads one YAML mapping: unknown keys and missing keys are reported once."""

    def __init__(self, out: Collector, node: YNode, allowed: Iterable[str], required: Iterable[str] = (), what: str = "") -> None:
        self.out = out
        self.node = node
        self.ok = isinstance(node, YMap)
        if not self.ok:
            out.error("E012", node.span, key=what or "…", expected=_expected("mapping"), actual=_expected(_kind_of(node)))
            self.map = YMap(node.span, ())
            return
        self.map = node  # type: ignore[assignment]
        allowed = list(allowed)
        for key, _ in self.map:
            name = str(key.value)
            if name not in allowed:
                written = getattr(key, "raw", name) if isinstance(key.value, int) else name  # 000, not 0
                out.error("E010", key.span, did_you_mean(name, allowed), key=written, allowed=", ".join(allowed))
        for name in required:
            if self.map.get(name) is None and self.map.key_node(name) is None:
                out.error("E011", node.span, key=name)

    def has(self, key: str) -> bool:
        return self.map.key_node(key) is not None

    def get(self, key: str) -> Optional[YNode]:
        return self.map.get(key)

    def span(self, key: str) -> Span:
        node = self.map.get(key) or self.map.key_node(key)
        return node.span if node is not None else self.node.span

    def scalar(self, key: str, kind: str, required: bool = False) -> Any:
        node = self.map.get(key)
        if node is None:
            return None
        actual = _kind_of(node)
        accepted = {
            "text": ("text", "integer", "decimal"),
            "integer": ("integer",),
            "number": ("integer", "decimal"),
            "bool": ("bool",),
            "date": ("date",),
        }[kind]
        if actual not in accepted:
            if kind == "date" and actual == "text":
                try:
                    return iso_date(str(node.value).strip())  # type: ignore[union-attr]
                except ValueError:
                    self.out.error("E013", node.span, value=getattr(node, "value", ""))
                    return None
            self.out.error("E012", node.span, key=key, expected=_expected(kind), actual=_expected(actual))
            return None
        value = node.value  # type: ignore[union-attr]
        if kind == "text":
            return str(node.raw if actual != "text" else value)  # type: ignore[union-attr]
        if kind == "date" and isinstance(value, _dt.datetime):
            self.out.error("E013", node.span, value=node.raw)  # type: ignore[union-attr]
            return None
        return value

    def text(self, key: str) -> Optional[str]:
        return self.scalar(key, "text")

    def seq(self, key: str) -> List[YNode]:
        node = self.map.get(key)
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.out.error("E012", node.span, key=key, expected=_expected("sequence"), actual=_expected(_kind_of(node)))
            return []
        return list(node.items)


def _expected(kind: str) -> Word:
    return type_word(kind)


def read_label(out: Collector, node: Optional[YNode], key: str, parent: Span) -> m.Label:
    if node is None:  # a missing required label is reported by the mapping that should hold it
        return m.Label("", "")
    if isinstance(node, YScalar) and isinstance(node.value, str):
        out.error("E018", node.span, lang=Word("英文", "English"))
        return m.Label(node.value, node.value)
    fields = Fields(out, node, ("zh", "en"), ("zh", "en"), key)
    return m.Label(fields.text("zh") or "", fields.text("en") or "")


def read_source_ref(out: Collector, node: Optional[YNode]) -> Optional[m.SourceRef]:
    if node is None:
        return None
    if isinstance(node, YScalar) and isinstance(node.value, str):
        return m.SourceRef(node.value)
    fields = Fields(out, node, ("document", "clause", "quote"), ("document",), "source")
    quote = fields.text("quote") or ""
    quote_node = fields.get("quote")
    quote_span = None
    if isinstance(quote_node, YScalar):
        # the first character of the quoted text itself, not the key or an opening quote mark
        quote_span = quote_node.offset_span(0, len(quote)) if isinstance(quote_node.value, str) and quote else quote_node.span
    return m.SourceRef(fields.text("document") or "", fields.text("clause") or "", quote, quote_span)


def read_period(out: Collector, node: Optional[YNode], parent: Span) -> m.Period:
    if node is None:
        out.error("E011", parent, key="in_force")
        return m.Period(_dt.date.min)
    fields = Fields(out, node, ("from", "until", "confirmed"), ("from",), "in_force")
    start = fields.scalar("from", "date") or _dt.date.min
    until = fields.scalar("until", "date")
    if until is not None and until < start:
        out.error("E017", fields.span("until"), start=start, until=until)
    confirmed = fields.scalar("confirmed", "bool")
    return m.Period(start, until, True if confirmed is None else confirmed)


def read_id(out: Collector, fields: Fields, key: str = "id", required: bool = True) -> Optional[str]:
    value = fields.text(key)
    if value is None:
        if required and fields.ok and not fields.has(key):
            pass  # already reported as missing
        return None
    if not ID_PATTERN.match(value):  # a line break or tab in it is shown escaped, as it was written
        out.error("E015", fields.span(key), value=value if value.isprintable() else repr(value)[1:-1])
    return value


def read_expression(out: Collector, node: Optional[YNode], key: str, parent: Span) -> Optional[m.Expression]:
    if node is None:
        out.error("E011", parent, key=key)
        return None
    if not isinstance(node, YScalar) or node.value is None or isinstance(node.value, _dt.date):
        actual = _kind_of(node)
        out.error("E012", node.span, key=key, expected=_expected("text"), actual=_expected(actual))
        return None
    text = node.value if isinstance(node.value, str) else node.raw
    if isinstance(node.value, bool):
        text = "true" if node.value else "false"
    try:
        tree = expr_parser.parse(text, node.offset_span)
    except expr_parser.ExprSyntaxError as exc:
        out.error(exc.code, node.offset_span(exc.start, exc.end), **exc.args_)
        return None
    return m.Expression(text.strip(), tree, node.span)


# ------------------------------------------------------------------ files


def _load_file(out: Collector, path: Path, root: Path, digest: "hashlib._Hash") -> Optional[YNode]:
    display = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        out.error("E005", Span(display, 1, 1), detail=exc.strerror or str(exc), unreadable=True)
        return None
    digest.update(str(path.relative_to(root)).replace("\\", "/").encode("utf-8") + b"\0")
    digest.update(hashlib.sha256(data).digest())
    try:
        source = SourceFile(display, decode_source(data, display))
        return parse_yaml(source)
    except YamlProblem as problem:
        # marked: the file is missing from the model, so check_policy stops before checks that
        # would only report its absence
        out.error(problem.code, problem.span, unreadable=True, **problem.args_)
        return None


def load_model(directory: Path | str) -> Tuple[Optional[m.PolicyModel], List[Diagnostic]]:
    """Read a policy folder. Returns the model (None if unusable) and every diagnostic."""
    root = Path(directory)
    out = Collector()
    if not (root / "policy.yaml").is_file():
        out.error("E019", Span(str(root), 1, 1), detail=str(root / "policy.yaml"))
        return None, out.diagnostics
    digest = hashlib.sha256()
    info_node = _load_file(out, root / "policy.yaml", root, digest)
    schema_node = _load_file(out, root / "schema.yaml", root, digest) if (root / "schema.yaml").is_file() else None
    if schema_node is None and not (root / "schema.yaml").is_file():
        out.error("E019", Span(str(root), 1, 1), detail=str(root / "schema.yaml"))
    params_node = _load_file(out, root / "parameters.yaml", root, digest) if (root / "parameters.yaml").is_file() else None
    rule_nodes: List[Tuple[Path, Optional[YNode]]] = []
    rules_dir = root / "rules"
    if rules_dir.is_dir():
        for path in sorted(rules_dir.glob("*.yaml")) + sorted(rules_dir.glob("*.yml")):
            reported = len(out.diagnostics)
            node = _load_file(out, path, root, digest)
            if node is None and len(out.diagnostics) == reported:
                # an empty (or all-comment) rule file: say so, rather than silently have one rule fewer
                out.error("E012", Span(str(path), 1, 1), key=path.name, expected=_expected("mapping"), actual=_expected("null"))
            rule_nodes.append((path, node))

    document_nodes: List[Tuple[Path, Optional[YNode]]] = []
    documents_dir = root / "documents"
    if documents_dir.is_dir():
        for path in sorted(documents_dir.glob("*.yaml")):
            document_nodes.append((path, _load_file(out, path, root, digest)))

    info = read_info(out, info_node, root)
    schema = read_schema(out, schema_node)
    parameters, overrides = read_parameters(out, params_node, info)
    rules: List[m.Rule] = []
    for path, node in rule_nodes:
        if node is None:
            continue
        rule = read_rule(out, node, path, schema)
        if rule is not None:
            rules.append(rule)
    documents: List[m.Document] = []
    for path, node in document_nodes:
        if node is not None:
            document = read_document(out, node, path, root, digest)
            if document is not None:
                documents.append(document)
    policy = m.PolicyModel(info, schema, parameters, overrides, tuple(rules), digest.hexdigest(), str(root),
                           tuple(documents))
    return policy, out.diagnostics


def read_info(out: Collector, node: Optional[YNode], root: Path) -> m.PolicyInfo:
    if node is None:
        return m.PolicyInfo(root.name, m.Label(root.name, root.name), "0")
    fields = Fields(out, node, ("name", "title", "version", "currency", "counties", "description"), ("name", "title", "version"), "policy")
    counties = []
    for item in fields.seq("counties"):
        if isinstance(item, YScalar) and isinstance(item.value, str):
            counties.append(item.value)
        else:
            out.error("E012", item.span, key="counties", expected=_expected("text"), actual=_expected(_kind_of(item)))
    title = read_label(out, fields.get("title"), "title", node.span) if fields.has("title") else m.Label(root.name, root.name)
    return m.PolicyInfo(
        fields.text("name") or root.name,
        title,
        fields.text("version") or "0",
        fields.text("currency") or "CNY",
        tuple(counties),
    )


def read_schema(out: Collector, node: Optional[YNode]) -> m.FactSchema:
    if node is None:
        return m.FactSchema({})
    fields = Fields(out, node, ("entities",), ("entities",), "schema")
    entities_node = fields.get("entities")
    entities: Dict[str, m.Entity] = {}
    if entities_node is None:
        return m.FactSchema(entities)
    ent_fields = Fields(out, entities_node, [str(k.value) for k, _ in entities_node] if isinstance(entities_node, YMap) else (), (), "entities")
    for key, value in ent_fields.map:
        name = str(key.value)
        if not NAME_PATTERN.match(name) or name in RESERVED:
            out.error("E015", key.span, value=name)
        ef = Fields(out, value, ("label", "fields", "description"), ("label", "fields"), name)
        label = read_label(out, ef.get("label"), "label", value.span) if ef.has("label") else m.Label(name, name)
        fields_map: Dict[str, m.Field] = {}
        fields_node = ef.get("fields")
        if isinstance(fields_node, YMap):
            for fkey, fvalue in fields_node:
                fname = str(fkey.value)
                if not NAME_PATTERN.match(fname) or fname in RESERVED:
                    out.error("E015", fkey.span, value=fname)
                field = read_field(out, fname, fvalue)
                if field is not None:
                    fields_map[fname] = field
        elif fields_node is not None:
            out.error("E012", fields_node.span, key="fields", expected=_expected("mapping"), actual=_expected(_kind_of(fields_node)))
        entities[name] = m.Entity(name, label, fields_map, key.span)
    # references between entities, and implications within one
    for entity in entities.values():
        for field in entity.fields.values():
            for source in field.implied_by:
                other = entity.fields.get(source)
                if field.type != "bool" or other is None or other.type != "bool" or source == field.name:
                    out.error("E070", field.span, did_you_mean(source, [f for f, d in entity.fields.items()
                                                                          if d.type == "bool" and f != field.name]),
                              name=field.name, source=source)
            if field.type in ("list", "record") and field.of not in entities and field.span is not None:
                out.error("E024", field.span, did_you_mean(field.of or "", entities), name=field.of)
    return m.FactSchema(entities)


def read_field(out: Collector, name: str, node: YNode) -> Optional[m.Field]:
    fields = Fields(out, node, ("type", "label", "of", "values", "unit", "description", "implied_by"), ("type", "label"), name)
    if not fields.ok:
        return None
    kind = fields.text("type")
    if kind is None:
        return None
    if kind not in m.FIELD_TYPES:
        out.error("E025", fields.span("type"), did_you_mean(kind, m.FIELD_TYPES), name=kind)
        return None
    of = fields.text("of")
    if kind in ("list", "record") and of is None:
        out.error("E011", node.span, key="of")
    values: List[str] = []
    value_labels: List[Tuple[str, m.Label]] = []
    if kind == "enum":
        for item in fields.seq("values"):
            if isinstance(item, YScalar) and item.value is not None:
                values.append(str(item.value if isinstance(item.value, str) else item.raw))
            elif isinstance(item, YMap):
                # the labelled form: {value: enterprise, label: {zh: 企业, en: enterprise}}
                entry = Fields(out, item, ("value", "label"), ("value", "label"), "values")
                value = entry.text("value")
                if value is None:
                    continue
                values.append(value)
                if entry.has("label"):
                    value_labels.append((value, read_label(out, entry.get("label"), "label", item.span)))
        if not values:
            out.error("E011", node.span, key="values")
    label = read_label(out, fields.get("label"), "label", node.span)
    unit = read_label(out, fields.get("unit"), "unit", node.span) if fields.has("unit") else None
    implied_by = tuple(str(item.value) for item in fields.seq("implied_by") if isinstance(item, YScalar))
    return m.Field(name, kind, label, of, tuple(values), unit, node.span, implied_by,
                   description=_description(fields.get("description")), value_labels=tuple(value_labels))


def _description(node: Optional[YNode]) -> Optional[m.Label]:
    """A field's help text, as written (text, or zh/en); never an error: it is only shown, never read by rules."""
    if isinstance(node, YScalar) and isinstance(node.value, str):
        return m.Label(node.value, node.value)
    if isinstance(node, YMap):
        texts = {str(k.value): v.value for k, v in node if isinstance(v, YScalar) and isinstance(v.value, str)}
        zh, en = texts.get("zh", ""), texts.get("en", "")
        if zh or en:
            return m.Label(zh or en, en or zh)
    return None


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.strip()).is_finite()
    except ArithmeticError:
        return False


def _param_value(out: Collector, kind: str, node: YNode, name: str) -> Any:
    if not isinstance(node, YScalar):
        out.error("E051", node.span, name=name, value="…", expected=_expected(kind))
        return None
    value = node.value
    ok = {
        "money": isinstance(value, (int, Decimal)) and not isinstance(value, bool),
        "decimal": isinstance(value, (int, Decimal)) and not isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "date": isinstance(value, _dt.date) and not isinstance(value, _dt.datetime),
        "text": isinstance(value, str),
    }.get(kind, False)
    if not ok:
        quoted = kind in ("money", "decimal", "integer") and node.style in ("'", '"') and _is_number(str(value))
        out.error("E051", node.span, name=name, value=node.raw, expected=_expected(kind), **({"quoted": True} if quoted else {}))
        return None
    if kind in ("money", "decimal") and abs(Decimal(value)) >= Decimal(10) ** 15:
        out.error("E038", node.span, value=node.raw)
        return None
    return value


def read_history(out: Collector, node: Optional[YNode], kind: str, name: str) -> Tuple[m.ParameterValue, ...]:
    entries: List[m.ParameterValue] = []
    if node is None:
        return ()
    if not isinstance(node, YSeq):
        out.error("E012", node.span, key="values", expected=_expected("sequence"), actual=_expected(_kind_of(node)))
        return ()
    for item in node.items:
        fields = Fields(out, item, ("from", "value", "note", "source"), ("from", "value"), "values")
        if not fields.ok:
            continue
        start = fields.scalar("from", "date")
        value_node = fields.get("value")
        value = _param_value(out, kind, value_node, name) if value_node is not None else None
        if start is not None and value is not None:
            entries.append(m.ParameterValue(start, value, item.span, read_source_ref(out, fields.get("source"))))
    for before, after in zip(entries, entries[1:]):
        if after.start <= before.start and after.span is not None:
            out.error("E028", after.span, name=name)
    return tuple(sorted(entries, key=lambda e: e.start))


def read_parameters(out: Collector, node: Optional[YNode], info: m.PolicyInfo):
    parameters: Dict[str, m.Parameter] = {}
    overrides: Dict[str, Dict[str, Tuple[m.ParameterValue, ...]]] = {}
    if node is None:
        return parameters, overrides
    fields = Fields(out, node, ("parameters", "county_overrides"), ("parameters",), "parameters.yaml")
    params_node = fields.get("parameters")
    if isinstance(params_node, YMap):
        for key, value in params_node:
            name = str(key.value)
            if not NAME_PATTERN.match(name):
                out.error("E015", key.span, value=name)
            pf = Fields(out, value, ("label", "type", "unit", "kind", "floor", "source", "values", "description",
                                     "interpretation", "no_standard"), ("label", "type", "values"), name)
            if not pf.ok:
                continue
            kind = pf.text("type") or "money"
            if kind not in m.PARAMETER_TYPES:
                out.error("E016", pf.span("type"), key="type", value=kind, choices=", ".join(m.PARAMETER_TYPES))
                continue
            override_kind = pf.text("kind")
            if override_kind is not None and override_kind not in m.PARAMETER_KINDS:
                out.error("E016", pf.span("kind"), did_you_mean(override_kind, m.PARAMETER_KINDS), key="kind",
                          value=override_kind, choices=", ".join(m.PARAMETER_KINDS))
                override_kind = None
            if pf.scalar("floor", "bool"):  # `floor: true` is the older spelling of `kind: floor`
                if override_kind not in (None, "floor"):
                    out.error("E016", pf.span("floor"), key="floor", value="true", choices=f"kind: {override_kind}")
                override_kind = override_kind or "floor"
            parameters[name] = m.Parameter(
                name,
                read_label(out, pf.get("label"), "label", value.span),
                kind,
                read_history(out, pf.get("values"), kind, name),
                kind=override_kind,
                unit=read_label(out, pf.get("unit"), "unit", value.span) if pf.has("unit") else None,
                source=read_source_ref(out, pf.get("source")),
                span=key.span,
                interpretation=(read_label(out, pf.get("interpretation"), "interpretation", value.span)
                                if pf.has("interpretation") else None),
                no_standard=bool(pf.scalar("no_standard", "bool")),
            )
    elif params_node is not None:
        out.error("E012", params_node.span, key="parameters", expected=_expected("mapping"), actual=_expected(_kind_of(params_node)))
    over_node = fields.get("county_overrides")
    if isinstance(over_node, YMap):
        for county_key, county_node in over_node:
            county = str(county_key.value)
            if info.counties and county not in info.counties:
                out.error("E053", county_key.span, did_you_mean(county, info.counties), name=county)
            if not isinstance(county_node, YMap):
                out.error("E012", county_node.span, key=county, expected=_expected("mapping"), actual=_expected(_kind_of(county_node)))
                continue
            table: Dict[str, Tuple[m.ParameterValue, ...]] = {}
            for pkey, pnode in county_node:
                pname = str(pkey.value)
                param = parameters.get(pname)
                if param is None:
                    out.error("E032", pkey.span, did_you_mean(pname, parameters), name=pname)
                    continue
                table[pname] = read_history(out, pnode, param.type, pname)
            overrides[county] = table
    return parameters, overrides


# ------------------------------------------------------------------ rules

RULE_KEYS = ("id", "version", "kind", "title", "source", "in_force", "applies_to", "interpretation",
             "conditions", "items", "amount", "notes", "designation", "criteria", "pass", "classes", "description")
KINDS = ("eligibility", "checklist", "classification")


class _RuleReader:
    def __init__(self, out: Collector, schema: m.FactSchema) -> None:
        self.out = out
        self.schema = schema
        self.ids: Dict[str, Span] = {}

    def claim_id(self, ident: Optional[str], span: Span) -> None:
        if ident is None:
            return
        if UNNAMED_GROUP.fullmatch(ident):
            self.out.error("E074", span, id=ident)
        elif ident in self.ids:
            self.out.error("E021", span, id=ident)
        else:
            self.ids[ident] = span

    def node(self, node: YNode) -> Optional[m.Node]:
        if not isinstance(node, YMap):
            self.out.error("E012", node.span, key="conditions", expected=_expected("mapping"), actual=_expected(_kind_of(node)))
            return None
        ops = [op for op in ("all", "any", "not") if node.key_node(op) is not None]
        if ops:
            fields = Fields(self.out, node, ("id", "label", ops[0]), (), ops[0])
            ident = read_id(self.out, fields, required=False)
            self.claim_id(ident, fields.span("id"))
            label = read_label(self.out, fields.get("label"), "label", node.span) if fields.has("label") else None
            body = fields.get(ops[0])
            if ops[0] == "not":
                child = self.node(body) if body is not None else None
                children = (child,) if child is not None else ()
            else:
                children = self.children(body, ops[0])
            return m.Group(ops[0], tuple(children), ident, label, node.span)
        fields = Fields(self.out, node, ("id", "label", "expr", "source", "description"), ("id", "label", "expr"), "condition")
        ident = read_id(self.out, fields)
        self.claim_id(ident, fields.span("id"))
        label = read_label(self.out, fields.get("label"), "label", node.span)
        expr = read_expression(self.out, fields.get("expr"), "expr", node.span)
        if ident is None or expr is None:
            return None
        return m.Condition(ident, label, expr, read_source_ref(self.out, fields.get("source")), node.span)

    def children(self, body: Optional[YNode], what: str) -> List[m.Node]:
        if body is None:
            return []
        if not isinstance(body, YSeq):
            self.out.error("E012", body.span, key=what, expected=_expected("sequence"), actual=_expected(_kind_of(body)))
            return []
        found = [self.node(item) for item in body.items]
        return [f for f in found if f is not None]

    def tree(self, body: Optional[YNode]) -> m.Group:
        if body is None:
            return m.Group("all", ())
        if isinstance(body, YSeq):
            return m.Group("all", tuple(self.children(body, "conditions")), span=body.span)
        node = self.node(body)
        if isinstance(node, m.Group):
            return node
        return m.Group("all", (node,) if node is not None else (), span=body.span)

    def notes(self, node: Optional[YNode]) -> Tuple[m.Note, ...]:
        if node is None:
            return ()
        if not isinstance(node, YSeq):
            self.out.error("E012", node.span, key="notes", expected=_expected("sequence"), actual=_expected(_kind_of(node)))
            return ()
        notes = []
        for item in node.items:
            fields = Fields(self.out, item, ("when", "label"), ("when", "label"), "notes")
            when = read_expression(self.out, fields.get("when"), "when", item.span)
            label = read_label(self.out, fields.get("label"), "label", item.span)
            if when is not None:
                notes.append(m.Note(when, label))
        return tuple(notes)


def _list_entity(schema: m.FactSchema, expr: Optional[m.Expression]) -> str:
    """Best effort: the entity of the list an `items.over` path names (check reports problems)."""
    from .expr import ast
    from .expr.types import ResolveError, Scope, resolve

    if expr is None or not isinstance(expr.tree, ast.Path):
        return ""
    try:
        resolved = resolve(expr.tree.parts, Scope(schema))
    except ResolveError:
        return ""
    return resolved.type.entity or "" if resolved.type.kind == "list" else ""


def read_rule(out: Collector, node: YNode, path: Path, schema: m.FactSchema) -> Optional[m.Rule]:
    fields = Fields(out, node, RULE_KEYS, ("id", "title", "source", "in_force", "applies_to"), path.name)
    if not fields.ok:
        return None
    reader = _RuleReader(out, schema)
    ident = read_id(out, fields)
    if ident is not None and path.stem != ident:
        pass  # file name is a convention, not a rule
    kind = fields.text("kind") or "eligibility"
    if kind not in KINDS:
        out.error("E016", fields.span("kind"), key="kind", value=kind, choices=", ".join(KINDS))
        kind = "eligibility"
    version = fields.scalar("version", "integer") or 1
    title = read_label(out, fields.get("title"), "title", node.span)
    source = read_source_ref(out, fields.get("source")) or m.SourceRef("")
    period = read_period(out, fields.get("in_force"), node.span)
    applies_to = fields.text("applies_to") or ""
    if applies_to and applies_to not in schema.entities and schema.entities:
        out.error("E024", fields.span("applies_to"), did_you_mean(applies_to, schema.entities), name=applies_to)
    interpretation = read_label(out, fields.get("interpretation"), "interpretation", node.span) if fields.has("interpretation") else None
    conditions = reader.tree(fields.get("conditions"))

    items = None
    items_node = fields.get("items")
    if items_node is not None:
        itf = Fields(out, items_node, ("over", "label", "name", "where", "require", "conditions", "amount", "notes"), ("over", "label", "conditions"), "items")
        if itf.ok:
            over = read_expression(out, itf.get("over"), "over", items_node.span)
            require = itf.text("require") or "any"
            if require not in ("any", "all"):
                out.error("E016", itf.span("require"), key="require", value=require, choices="any, all")
            items = m.Items(
                over=over or m.Expression("", None, items_node.span),  # type: ignore[arg-type]
                entity=_list_entity(schema, over),
                label=read_label(out, itf.get("label"), "label", items_node.span),
                conditions=reader.tree(itf.get("conditions")),
                amount=read_expression(out, itf.get("amount"), "amount", items_node.span) if itf.has("amount") else None,
                name=read_expression(out, itf.get("name"), "name", items_node.span) if itf.has("name") else None,
                where=read_expression(out, itf.get("where"), "where", items_node.span) if itf.has("where") else None,
                require=require,
                notes=reader.notes(itf.get("notes")),
            )
            if over is None:
                items = None

    amount = read_expression(out, fields.get("amount"), "amount", node.span) if fields.has("amount") else None
    if amount is not None and items is not None:
        out.error("E010", fields.span("amount"), key="amount", allowed="items.amount")

    designation = None
    if fields.has("designation"):
        df = Fields(out, fields.get("designation"), ("id", "label"), ("id", "label"), "designation")
        if df.ok:
            designation = m.Designation(read_id(out, df) or "", read_label(out, df.get("label"), "label", df.node.span))

    criteria: List[m.Criterion] = []
    pass_rule = None
    classes: List[m.ClassDef] = []
    if kind == "checklist":
        for item in fields.seq("criteria"):
            cf = Fields(out, item, ("id", "label", "points", "veto", "expr", "source", "description"), ("id", "label", "points", "expr"), "criteria")
            if not cf.ok:
                continue
            cid = read_id(out, cf)
            reader.claim_id(cid, cf.span("id"))
            label = read_label(out, cf.get("label"), "label", item.span)
            points = cf.scalar("points", "number")
            expr = read_expression(out, cf.get("expr"), "expr", item.span)
            if cid and expr is not None and points is not None:
                criteria.append(m.Criterion(cid, label, Decimal(points), expr, bool(cf.scalar("veto", "bool")),
                                            read_source_ref(out, cf.get("source")), item.span))
        if not fields.has("criteria"):
            out.error("E011", node.span, key="criteria")
        pf = Fields(out, fields.get("pass") or YMap(node.span, ()), ("min_score", "at_least", "all"), (), "pass")
        min_score = pf.scalar("min_score", "number")
        pass_rule = m.PassRule(
            Decimal(min_score) if min_score is not None else None,
            pf.scalar("at_least", "integer"),
            bool(pf.scalar("all", "bool")),
        )
    elif fields.has("criteria") or fields.has("pass"):
        out.error("E010", fields.span("criteria" if fields.has("criteria") else "pass"), key="criteria", allowed="kind: checklist")
    if kind == "classification":
        for item in fields.seq("classes"):
            kf = Fields(out, item, ("id", "label", "expr", "source", "description"), ("id", "label", "expr"), "classes")
            if not kf.ok:
                continue
            kid = read_id(out, kf)
            reader.claim_id(kid, kf.span("id"))
            label = read_label(out, kf.get("label"), "label", item.span)
            expr = read_expression(out, kf.get("expr"), "expr", item.span)
            if kid and expr is not None:
                classes.append(m.ClassDef(kid, label, expr, item.span, read_source_ref(out, kf.get("source"))))
        if not fields.has("classes"):
            out.error("E011", node.span, key="classes")
    elif fields.has("classes"):
        out.error("E010", fields.span("classes"), key="classes", allowed="kind: classification")

    if ident is None:
        return None
    return m.Rule(
        id=ident,
        version=int(version),
        kind=kind,
        title=title,
        source=source,
        in_force=period,
        applies_to=applies_to,
        conditions=conditions,
        file=str(path),
        items=items,
        amount=amount,
        notes=reader.notes(fields.get("notes")),
        designation=designation,
        criteria=tuple(criteria),
        pass_rule=pass_rule,
        classes=tuple(classes),
        interpretation=interpretation,
        span=node.span,
    )


# ------------------------------------------------------------------ documents

DOCUMENT_KEYS = ("id", "title", "date", "text", "restates", "restorations", "parts", "normative", "not_normative",
                 "description")


def _texts(out: Collector, fields: Fields, key: str) -> List[Tuple[str, Span]]:
    found = []
    for item in fields.seq(key):
        if isinstance(item, YScalar) and isinstance(item.value, str) and item.value.strip():
            found.append((item.value, item.span))
        else:
            out.error("E012", item.span, key=key, expected=_expected("text"), actual=_expected(_kind_of(item)))
    return found


def read_document(out: Collector, node: YNode, path: Path, root: Path, digest: "hashlib._Hash") -> Optional[m.Document]:
    """A document's metadata (policy/documents/NAME.yaml) and the text file it names, read whole."""
    fields = Fields(out, node, DOCUMENT_KEYS, ("id", "title", "text"), path.name)
    if not fields.ok:
        return None
    ident = fields.text("id")
    name = fields.text("text")
    if not ident or not name:
        return None
    title = read_label(out, fields.get("title"), "title", node.span)
    date = fields.scalar("date", "date")
    text_path = path.parent / name
    if Path(name).name != name or not text_path.is_file():
        out.error("E060", fields.span("text"), name=name)
        return None
    data = text_path.read_bytes()
    digest.update(str(text_path.relative_to(root)).replace("\\", "/").encode("utf-8") + b"\0")
    digest.update(hashlib.sha256(data).digest())
    try:
        text = decode_source(data, str(text_path))
    except YamlProblem as problem:
        out.error(problem.code, problem.span, **problem.args_)
        return None
    restorations: List[m.Restoration] = []
    reading = text
    for item in fields.seq("restorations"):
        rf = Fields(out, item, ("printed", "reads", "note"), ("printed", "reads"), "restorations")
        printed, reads = rf.text("printed"), rf.text("reads")
        if not printed or reads is None:
            continue
        count = text.count(printed)
        if count != 1:
            out.error("E061", rf.span("printed"), text=printed, count=count, file=str(text_path))
            continue
        restorations.append(m.Restoration(printed, reads, item.span))
        reading = reading.replace(printed, reads)
    parts: List[m.DocumentPart] = []
    for item in fields.seq("parts"):
        pf = Fields(out, item, ("at", "section"), ("at", "section"), "parts")
        at, section = pf.text("at"), pf.text("section")
        if at is None or section is None:
            continue
        if at not in reading:
            out.error("E062", pf.span("at"), text=at, file=str(text_path))
            continue
        parts.append(m.DocumentPart(at, section, item.span))
    overrides: Dict[str, Tuple[str, ...]] = {}
    for key in ("normative", "not_normative"):
        kept = []
        for fragment, span in _texts(out, fields, key):
            if fragment not in reading:
                out.error("E062", span, text=fragment, file=str(text_path))
            else:
                kept.append(fragment)
        overrides[key] = tuple(kept)
    restates = tuple(value for value, _ in _texts(out, fields, "restates"))
    return m.Document(ident.strip(), title, date, text, reading, str(text_path), restates, tuple(restorations),
                      tuple(parts), overrides["normative"], overrides["not_normative"], node.span)
