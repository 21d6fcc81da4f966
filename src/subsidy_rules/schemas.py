"""JSON Schemas of the policy files and of claims, for editors and validators.

`subsidy-rules schema KIND` prints one. Rule, parameter, fact-schema and
policy-file schemas are fixed; the claim and policy-test schemas are generated
from a policy's fact schema, so an editor completes the entities and fields of
that policy. Titles and descriptions are in Chinese and English.
"""

from __future__ import annotations

from typing import Any, Dict

from . import model as m

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("rule", "parameters", "facts", "policy", "claim", "tests")
ID_RE = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


def _t(zh: str, en: str, **more: Any) -> Dict[str, Any]:
    """Title and description in both languages, Chinese first: editors show `description`
    (or `markdownDescription`) in completion lists and on hover, `title` only in some places."""
    extra = more.pop("note", None)
    description = f"{zh} / {en}" + (f"\n\n{extra}" if extra else "")
    markdown = f"**{zh}** / {en}" + (f"\n\n{extra}" if extra else "")
    return dict(title=f"{zh} / {en}", description=description, markdownDescription=markdown, **more)


DATE_FORMAT = "YYYY-MM-DD,例如 2017-07-31 / YYYY-MM-DD, e.g. 2017-07-31"


def _date(zh: str = "日期", en: str = "date") -> Dict[str, Any]:
    """A date named by its readable form (not a regular expression); `format: date` for validators."""
    return _t(zh, en, type="string", format="date", note=DATE_FORMAT)


LABEL = _t("中英文标签", "label in Chinese and English", type="object", additionalProperties=False,
           required=["zh", "en"], properties={"zh": _t("中文", "Chinese", type="string"), "en": _t("英文", "English", type="string")})
SOURCE = _t("依据(文件号与条款)", "source: document and clause", anyOf=[
    {"type": "string"},
    {"type": "object", "additionalProperties": False, "required": ["document"], "properties": {
        "document": _t("文件号", "document number", type="string"),
        "clause": _t("条款", "clause", type="string"),
        "quote": _t("原文", "quoted text", type="string")}}])
EXPR = _t("表达式", "expression", type=["string", "boolean", "number"],
          note="写法见 docs/language.md / see docs/language.md")
SCALAR_VALUE = {"type": ["number", "string", "boolean"]}


def _definitions() -> Dict[str, Any]:
    condition = _t("条件", "condition", type="object", additionalProperties=False, properties={
        "id": _t("编号", "id", type="string", pattern=ID_RE), "label": {"$ref": "#/definitions/label"},
        "expr": {"$ref": "#/definitions/expr"}, "source": {"$ref": "#/definitions/source"},
        "description": {"type": "string"},
        "all": _t("以下全部满足", "all of", type="array", items={"$ref": "#/definitions/condition"}),
        "any": _t("以下任一满足", "any of", type="array", items={"$ref": "#/definitions/condition"}),
        "not": {"$ref": "#/definitions/condition"}})
    conditions = _t("条件(列表表示全部满足)", "conditions (a list means all of)",
                    anyOf=[{"type": "array", "items": {"$ref": "#/definitions/condition"}}, {"$ref": "#/definitions/condition"}])
    note = _t("说明(条件成立时显示)", "note shown when `when` is true", type="object", additionalProperties=False,
              required=["when", "label"], properties={"when": {"$ref": "#/definitions/expr"}, "label": {"$ref": "#/definitions/label"}})
    return {"label": LABEL, "source": SOURCE, "expr": EXPR, "condition": condition, "conditions": conditions,
            "note": note, "notes": {"type": "array", "items": {"$ref": "#/definitions/note"}}}


def _rule_properties() -> Dict[str, Any]:
    """Keys every kind of rule may have."""
    return {
        "id": _t("规则编号(小写字母、数字、连字符)", "rule id (kebab-case)", type="string", pattern=ID_RE),
        "version": _t("版本", "version", type="integer", minimum=1),
        "title": {"$ref": "#/definitions/label"},
        "source": {"$ref": "#/definitions/source"},
        "in_force": _t("生效期间", "period in force", type="object", additionalProperties=False, required=["from"],
                       properties={"from": _date("开始日期", "from"), "until": _date("结束日期(含)", "until (inclusive)"),
                                   "confirmed": _t("日期已核实(来函未写明日期时为 false)",
                                                   "date confirmed (false where the source does not give it)",
                                                   type="boolean")}),
        "applies_to": _t("适用的实体", "entity the rule applies to", type="string"),
        "interpretation": {"$ref": "#/definitions/label"},
        "description": _t("说明(不影响判定)", "description (no effect on decisions)", type="string"),
        "conditions": {"$ref": "#/definitions/conditions"},
        "items": _t("逐项判定", "per-item part", type="object", additionalProperties=False,
                    required=["over", "label", "conditions"], properties={
                        "over": _t("逐项的列表", "the list to decide item by item", type="string"),
                        "label": {"$ref": "#/definitions/label"},
                        "name": _t("每项的名称", "how an item is named", type="string"),
                        "where": _t("只判定符合此条件的项", "decide only the items meeting this", type=["string", "boolean"]),
                        "require": _t("要求(any:至少一项符合;all:全部符合)", "requirement: any item or all items", enum=["any", "all"]),
                        "conditions": {"$ref": "#/definitions/conditions"},
                        "amount": _t("每项金额", "amount per item", type=["string", "number"]),
                        "notes": {"$ref": "#/definitions/notes"}}),
        "amount": _t("金额(表达式)", "amount (an expression)", type=["string", "number"]),
        "notes": {"$ref": "#/definitions/notes"},
        "designation": _t("认定(符合时授予的称号)", "designation given when eligible", type="object", additionalProperties=False,
                          required=["id", "label"],
                          properties={"id": {"type": "string", "pattern": ID_RE}, "label": {"$ref": "#/definitions/label"}}),
    }


def _kind(value: str, zh: str, en: str) -> Dict[str, Any]:
    return _t(f"规则类型:{value}({zh})", f"kind: {value} ({en})", enum=[value])


def rule_schema() -> Dict[str, Any]:
    """One schema per kind of rule (oneOf on `kind`), so an editor offers each kind only the keys
    it allows: criteria and pass for a checklist, classes for a classification."""
    common = _rule_properties()
    criteria = _t("验收标准", "criteria", type="array", items={
        "type": "object", "additionalProperties": False, "required": ["id", "label", "points", "expr"],
        "properties": {"id": _t("编号", "id", type="string", pattern=ID_RE), "label": {"$ref": "#/definitions/label"},
                       "points": _t("分值", "points", type="number"), "veto": _t("否决项(true/false)", "veto (true/false)", type="boolean"),
                       "expr": {"$ref": "#/definitions/expr"}, "source": {"$ref": "#/definitions/source"},
                       "description": {"type": "string"}}})
    passing = _t("通过条件", "pass rule", type="object", additionalProperties=False, properties={
        "min_score": _t("最低得分", "minimum score", type="number"),
        "at_least": _t("至少满足几项", "at least this many criteria", type="integer"),
        "all": _t("全部满足(true/false)", "all criteria (true/false)", type="boolean")})
    classes = _t("名单", "classes", type="array", items={
        "type": "object", "additionalProperties": False, "required": ["id", "label", "expr"],
        "properties": {"id": _t("编号", "id", type="string", pattern=ID_RE), "label": {"$ref": "#/definitions/label"},
                       "expr": {"$ref": "#/definitions/expr"}, "source": {"$ref": "#/definitions/source"},
                       "description": {"type": "string"}}})
    base_required = ["id", "title", "source", "in_force", "applies_to"]
    no_amount_with_items = {"not": {"required": ["amount", "items"]}}

    def variant(kind: Dict[str, Any], extra: Dict[str, Any], required: list, title: tuple) -> Dict[str, Any]:
        return {**_t(*title), "type": "object", "additionalProperties": False, "required": base_required + required,
                "properties": {**common, "kind": kind, **extra}, **no_amount_with_items}

    return {
        "$schema": DRAFT, **_t("规则文件", "rule file"), "type": "object",
        "definitions": _definitions(),
        "oneOf": [
            variant(_kind("eligibility", "资格判定,默认", "eligibility, the default"), {}, [],
                    ("资格判定规则", "eligibility rule")),
            variant(_kind("checklist", "按标准打分验收", "scored against criteria"), {"criteria": criteria, "pass": passing},
                    ["kind", "criteria"], ("验收打分规则", "checklist rule")),
            variant(_kind("classification", "分入名单", "sorted into lists"), {"classes": classes},
                    ["kind", "classes"], ("名单分类规则", "classification rule")),
        ],
    }


def parameters_schema() -> Dict[str, Any]:
    history = _t("取值历史(按日期)", "history of values by date", type="array", items={
        "type": "object", "additionalProperties": False, "required": ["from", "value"],
        "properties": {"from": _date("起始日期", "from"), "value": SCALAR_VALUE, "note": {"type": "string"},
                       "source": {"$ref": "#/definitions/source"}}})
    return {
        "$schema": DRAFT, **_t("参数文件", "parameters file"), "type": "object", "additionalProperties": False,
        "required": ["parameters"], "definitions": {"label": LABEL, "source": SOURCE, "history": history},
        "properties": {
            "parameters": _t("参数", "parameters", type="object", additionalProperties={
                "type": "object", "additionalProperties": False, "required": ["label", "type", "values"],
                "properties": {
                    "label": {"$ref": "#/definitions/label"},
                    "type": _t("类型", "type", enum=list(m.PARAMETER_TYPES)),
                    "unit": {"$ref": "#/definitions/label"},
                    "kind": _t("县区可否调整:floor 不低于(只能提高)、cap 不超过(只能降低)、fixed 固定标准、threshold 条件数值(都不能改)",
                               "how a county may override: floor (only raise), cap (only lower), fixed / threshold (never)",
                               enum=list(m.PARAMETER_KINDS)),
                    "floor": _t("市级底线(同 kind: floor)", "city floor (same as kind: floor)", type="boolean"),
                    "interpretation": {"$ref": "#/definitions/label"},
                    "no_standard": _t("来函未规定标准:没有取值,读取它的金额不给出(不是0)",
                                      "the source sets no standard: no value, amounts reading it are absent (not 0)", type="boolean"),
                    "source": {"$ref": "#/definitions/source"},
                    "values": {"$ref": "#/definitions/history"},
                    "description": {}}}),
            "county_overrides": _t("县区标准", "county overrides", type="object",
                                   additionalProperties={"type": "object", "additionalProperties": {"$ref": "#/definitions/history"}}),
        },
    }


def facts_schema() -> Dict[str, Any]:
    field = {"type": "object", "additionalProperties": False, "required": ["type", "label"], "properties": {
        "type": _t("字段类型", "field type", enum=list(m.FIELD_TYPES)),
        "label": {"$ref": "#/definitions/label"},
        "of": _t("列表或记录的实体", "entity of list/record items", type="string"),
        "values": _t("可选值(可带中英文标签)", "allowed values (each may carry a label)", type="array", items={"anyOf": [
            {"type": "string"},
            {"type": "object", "additionalProperties": False, "required": ["value", "label"], "properties": {
                "value": _t("取值(申报材料中写的文字)", "the value as a claim writes it", type="string"),
                "label": {"$ref": "#/definitions/label"}}}]}),
        "unit": {"$ref": "#/definitions/label"}, "description": {},
        "implied_by": _t("由这些是/否字段推出为“是”(同一记录中)", "made true by these yes/no fields of the same record",
                         type="array", items={"type": "string"})}}
    return {
        "$schema": DRAFT, **_t("事实结构", "fact schema"), "type": "object", "additionalProperties": False,
        "required": ["entities"], "definitions": {"label": LABEL, "field": field},
        "properties": {"entities": _t("实体", "entities", type="object", additionalProperties={
            "type": "object", "additionalProperties": False, "required": ["label", "fields"],
            "properties": {"label": {"$ref": "#/definitions/label"}, "description": {},
                           "fields": {"type": "object", "additionalProperties": {"$ref": "#/definitions/field"}}}})},
    }


def policy_file_schema() -> Dict[str, Any]:
    return {
        "$schema": DRAFT, **_t("政策说明文件", "policy.yaml"), "type": "object", "additionalProperties": False,
        "required": ["name", "title", "version"], "definitions": {"label": LABEL},
        "properties": {"name": {"type": "string"}, "title": {"$ref": "#/definitions/label"},
                       "version": {"type": ["string", "number"]}, "currency": {"type": "string"},
                       "counties": {"type": "array", "items": {"type": "string"}}, "description": {}},
    }


def _field_schema(field: m.Field) -> Dict[str, Any]:
    unit = f"({field.unit.zh})" if field.unit is not None else ""
    unit_en = f" ({field.unit.en})" if field.unit is not None else ""
    note = None
    if field.type == "date":
        note = DATE_FORMAT
    elif field.type == "bool":
        note = "写 true(是)或 false(否) / write true (yes) or false (no)"
    elif field.type == "enum" and field.value_labels:
        note = "; ".join(f"{value} = {label.zh} / {label.en}" for value, label in field.value_labels)
    title = _t(field.label.zh + unit, field.label.en + unit_en, note=note)
    kind = field.type
    nullable: Dict[str, Any] = {"type": "null"}
    if kind == "bool":
        body: Dict[str, Any] = {"type": "boolean"}
    elif kind == "integer":
        body = {"type": "integer"}
    elif kind in ("decimal", "money"):
        body = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9][0-9,]*(\.[0-9]+)?$"}]}
    elif kind == "date":
        body = {"type": "string", "format": "date"}
    elif kind == "text":
        body = {"type": ["string", "number"]}
    elif kind == "enum":
        body = {"enum": list(field.values)}
        if field.value_labels:  # each value's words in the completion list
            words = [field.value_label(v) for v in field.values]
            body["enumDescriptions"] = [f"{w.zh} / {w.en}" if w else v for v, w in zip(field.values, words)]
            body["markdownEnumDescriptions"] = [f"**{w.zh}** / {w.en}" if w else v for v, w in zip(field.values, words)]
    elif kind == "list":
        body = {"type": "array", "items": {"$ref": f"#/definitions/{field.of}"}}
    else:
        body = {"$ref": f"#/definitions/{field.of}"}
    return {**title, "anyOf": [body, nullable]}


def claim_schema(schema: m.FactSchema) -> Dict[str, Any]:
    definitions = {}
    for name, entity in schema.entities.items():
        definitions[name] = {**_t(entity.label.zh, entity.label.en), "type": "object", "additionalProperties": False,
                             "properties": {f: _field_schema(field) for f, field in entity.fields.items()}}
    properties: Dict[str, Any] = {
        "as_of": _date("评估日期", "assessment date"),
        "jurisdiction": _t("县区(选用县区标准)", "county whose parameter values apply", type="string"),
        "id": _t("编号", "record id", type=["string", "integer"]),
    }
    properties.update({name: {"$ref": f"#/definitions/{name}"} for name in schema.entities})
    return {"$schema": DRAFT, **_t("申报材料", "claim"), "type": "object", "additionalProperties": False,
            "definitions": definitions, "properties": properties}


def tests_schema(schema: m.FactSchema) -> Dict[str, Any]:
    claim = claim_schema(schema)
    definitions = claim.pop("definitions")
    claim.pop("$schema")
    definitions["claim"] = claim
    return {
        "$schema": DRAFT, **_t("政策测试用例", "policy test cases"), "type": "object", "additionalProperties": False,
        "required": ["cases"], "definitions": definitions,
        "properties": {"cases": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "rule", "claim", "expect"],
            "properties": {
                "name": _t("用例名称", "case name", type="string"),
                "rule": _t("规则编号", "rule id", type="string", pattern=ID_RE),
                "as_of": _date("评估日期", "as of"),
                "claim": {"$ref": "#/definitions/claim"},
                "description": {"type": "string"},
                "reading": _t("读法:chosen 本政策采用的读法(默认);alternative 另一种读法(alternative 写出它的结果)",
                              "reading: chosen (default) or alternative (the other reading; `alternative` gives its result)",
                              enum=["chosen", "alternative"]),
                "alternative": _t("另一种读法下的结果", "what the other reading would decide", type="object",
                                  additionalProperties=False, properties={
                                      "outcome": {"enum": ["eligible", "ineligible", "undetermined"]},
                                      "amount": {"type": ["number", "string", "null"]}}),
                "expect": _t("期望结果", "expected result", type="object", additionalProperties=False, properties={
                    "outcome": {"enum": ["eligible", "ineligible", "undetermined", "error"]},
                    "amount": {"type": ["number", "string", "null"]},
                    "failed": {"type": "array", "items": {"type": "string"}},
                    "passed": {"type": "array", "items": {"type": "string"}},
                    "missing": {"type": "array", "items": {"type": "string"}},
                    "designation": {"type": ["string", "null"]},
                    "classes": {"type": "array", "items": {"type": "string"}}})}}}},
    }


def schema_for(kind: str, facts: m.FactSchema) -> Dict[str, Any]:
    if kind == "rule":
        return rule_schema()
    if kind == "parameters":
        return parameters_schema()
    if kind == "facts":
        return facts_schema()
    if kind == "policy":
        return policy_file_schema()
    if kind == "claim":
        return claim_schema(facts)
    if kind == "tests":
        return tests_schema(facts)
    raise KeyError(kind)


# which file of a policy folder each schema describes (relative to the folder), for the editor line
FILES = {"policy": "policy.yaml", "facts": "schema.yaml", "parameters": "parameters.yaml", "rule": "rules/*.yaml", "tests": "tests/*.yaml"}
