"""Every message a user can see, in Chinese and English, keyed by a stable code.

Codes are documented in docs/cli.md; tests pin them. Templates use str.format
with named fields only.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

LANGS = ("zh", "en")

# code: (zh, en)
DIAGNOSTICS: Dict[str, Tuple[str, str]] = {
    # YAML and files
    "E001": ("YAML 语法错误:{detail}", "YAML syntax error: {detail}"),
    "E002": ("重复的键 “{key}”(第一次出现在 {first})", "duplicate key '{key}' (first at {first})"),
    "E003": ("不支持 YAML 别名(*名称)和锚点,请直接写出内容", "YAML aliases (*name) are not supported; write the content out"),
    "E004": ("键必须是简单文字", "a key must be plain text"),
    "E005": ("无法读取文件:{detail}", "cannot read file: {detail}"),
    "E006": ("文件不是 UTF-8 编码(字节 {byte})", "file is not UTF-8 (byte {byte})"),
    "E007": ("文件太大({size} 字节,上限 {limit})", "file too large ({size} bytes, limit {limit})"),
    "E008": ("文件内容过多(超过 {limit} 个节点)", "file has too many nodes (over {limit})"),
    "E009": ("层级嵌套过深(超过 {limit} 层)", "nesting too deep (over {limit} levels)"),
    "E013": ("日期无效:{value}", "invalid date: {value}"),
    "E014": ("数字无效:{value}", "invalid number: {value}"),
    # structure of rule, parameter and schema files
    "E010": ("未知的键 “{key}”{suggestion}", "unknown key '{key}'{suggestion}"),
    "E011": ("缺少必填的键 “{key}”", "missing required key '{key}'"),
    "E012": ("“{key}” 应当是{expected},实际是{actual}", "'{key}' should be {expected}, got {actual}"),
    "E015": ("编号 “{value}” 格式不对:只能用小写字母、数字和连字符(如 hiring-award)", "id '{value}' is malformed: use lower-case letters, digits and hyphens (like hiring-award)"),
    "E016": ("“{key}” 的取值 “{value}” 无效,可选:{choices}", "'{key}' has invalid value '{value}'; choose one of: {choices}"),
    "E017": ("生效期间无效:结束日期 {until} 早于开始日期 {start}", "invalid period: until {until} is before from {start}"),
    "E018": ("缺少{lang}标签", "missing {lang} label"),
    "E019": ("未找到策略文件:{detail}", "no policy found: {detail}"),
    # ids and references
    "E020": ("规则编号 “{id}” 重复(另一处在 {other}),且生效期间重叠", "rule id '{id}' is used twice with overlapping periods (other at {other})"),
    "E021": ("条件编号 “{id}” 在本规则中重复", "condition id '{id}' is used twice in this rule"),
    "E022": ("参数 “{name}” 重复定义(另一处在 {other})", "parameter '{name}' is defined twice (other at {other})"),
    "E023": ("实体 “{name}” 重复定义", "entity '{name}' is defined twice"),
    "E024": ("未知的实体 “{name}”{suggestion}", "unknown entity '{name}'{suggestion}"),
    "E025": ("未知的字段类型 “{name}”{suggestion}", "unknown field type '{name}'{suggestion}"),
    "E026": ("规则之间存在循环引用:{cycle}", "rules refer to each other in a cycle: {cycle}"),
    "E027": ("未知的规则 “@{name}”{suggestion}", "unknown rule '@{name}'{suggestion}"),
    "E028": ("参数 “{name}” 的取值日期没有按时间先后排列或有重复", "values of parameter '{name}' are not in date order or repeat a date"),
    "E029": ("检查清单的通过条件引用了未知的标准 “{name}”{suggestion}", "the checklist pass rule names unknown criterion '{name}'{suggestion}"),
    # expressions
    "E030": ("表达式语法错误:{detail}", "expression syntax error: {detail}"),
    "E031": ("未知的字段 “{name}”{suggestion}", "unknown field '{name}'{suggestion}"),
    "E032": ("未知的参数 “${name}”{suggestion}", "unknown parameter '${name}'{suggestion}"),
    "E033": ("未知的函数 “{name}”{suggestion}", "unknown function '{name}'{suggestion}"),
    "E034": ("类型不符:{detail}", "type mismatch: {detail}"),
    "E035": ("函数 “{name}” 需要 {expected} 个参数,给了 {actual} 个", "function '{name}' takes {expected} argument(s), got {actual}"),
    "E036": ("表达式嵌套过深(超过 {limit} 层),请拆成几个条件", "expression nested too deeply (over {limit} levels); split it into several conditions"),
    "E037": ("表达式过长(超过 {limit} 个字符)", "expression too long (over {limit} characters)"),
    "E038": ("数字过大:{value}", "number too large: {value}"),
    "E039": ("条件的结果应当是真/假,这里是{actual}", "a condition must be true/false, this is {actual}"),
    "E040": ("金额应当是数值,这里是{actual}", "an amount must be a number, this is {actual}"),
    "E041": ("“{name}” 不是列表,不能用于 {func}", "'{name}' is not a list and cannot be used with {func}"),
    "E042": ("{func} 需要 “of” 前的取值表达式,例如 sum(months of posts)", "{func} needs a value before 'of', e.g. sum(months of posts)"),
    "E043": ("{func} 不接受 “of” 取值表达式", "{func} takes no value before 'of'"),
    "E044": ("“{name}” 是列表或记录,请取其中的字段或使用 count/any/all", "'{name}' is a list or record; use one of its fields or count/any/all"),
    "E046": ("{func} 需要 where 条件,例如 {func}(employer.hires where social_insurance)", "{func} needs a `where` condition, e.g. {func}(employer.hires where social_insurance)"),
    "E045": ("枚举 “{field}” 没有取值 “{value}”{suggestion}", "enum '{field}' has no value '{value}'{suggestion}"),
    # parameters
    "E050": ("{county} 的 “{name}” = {value},低于市级底线 {floor}(自 {start} 起)", "{county} sets '{name}' = {value}, below the city floor {floor} (from {start})"),
    "E051": ("参数 “{name}” 的值 {value} 不是{expected}", "parameter '{name}' value {value} is not {expected}"),
    "E052": ("参数 “{name}” 在 {date} 没有生效的取值,而规则 “{rule}” 此时生效", "parameter '{name}' has no value in force on {date}, when rule '{rule}' is"),
    "E053": ("未知的县区 “{name}”{suggestion}", "unknown county '{name}'{suggestion}"),
    # warnings
    "W001": ("参数 “{name}” 没有被任何规则使用", "parameter '{name}' is not used by any rule"),
    "W002": ("条件 “{id}” 永远不可能成立:{expr}", "condition '{id}' can never be true: {expr}"),
    "W003": ("条件 “{id}” 总是成立(只要已填报),不起作用:{expr}", "condition '{id}' is always true when known, so it decides nothing: {expr}"),
    "W004": ("条件 “{id}” 与同组的条件 “{other}” 互相矛盾,这一组永远不可能全部成立", "condition '{id}' contradicts '{other}' in the same group: the group can never be met"),
    "W005": ("规则 “{id}” 与规则 “{other}” 的适用对象和条件完全相同,生效期间又有重叠", "rule '{id}' has the same entity and conditions as rule '{other}', and their periods overlap"),
}

HINTS: Dict[str, Tuple[str, str]] = {
    "E003": ("把 *名称 替换为它代表的内容", "replace *name with the content it stands for"),
    "E010": ("检查拼写;可用的键:{allowed}", "check the spelling; allowed keys: {allowed}"),
    "E010C": ("{{ }} 里的逗号会把文字分开:含逗号的文字请加引号,如 zh: \"6个月以上,含6个月\"", "a comma inside {{ }} splits the text: quote text that contains commas, e.g. zh: \"6 or more, inclusive\""),
    "E013": ("日期写成 YYYY-MM-DD,并确认这一天存在", "write dates as YYYY-MM-DD and make sure the day exists"),
    "E030": ("检查括号、引号和运算符;字段路径用点号连接,如 employer.hires", "check brackets, quotes and operators; fact paths use dots, e.g. employer.hires"),
    "E034": ("比较两边必须是同一类数据:数字和数字、日期和日期、文字和文字", "both sides must be the same kind of data: numbers, dates or text"),
    "E036": ("把长条件拆成几个有编号的条件,放进 all/any 中", "split the condition into several named conditions under all/any"),
    "E050": ("县区只能提高市级底线标准,不能降低", "a county may raise a city floor, never lower it"),
}

CLAIM: Dict[str, Tuple[str, str]] = {
    "C001": ("{path}:应当是{expected},实际是 {actual}", "{path}: expected {expected}, got {actual}"),
    "C002": ("{path}:未知的字段{suggestion}", "{path}: unknown field{suggestion}"),
    "C003": ("{path}:未知的实体{suggestion}", "{path}: unknown entity{suggestion}"),
    "C004": ("申报材料不是有效的 YAML/JSON:{detail}", "the claim is not valid YAML/JSON: {detail}"),
    "C005": ("{path}:数值超出范围:{actual}", "{path}: number out of range: {actual}"),
    "C006": ("{path}:枚举值 “{actual}” 无效,可选:{choices}", "{path}: invalid value '{actual}', choose one of: {choices}"),
    "C007": ("申报材料中没有任何已知实体,可用:{choices}", "the claim names no known entity; known: {choices}"),
    "C008": ("没有名为 “{rule}” 的规则{suggestion}", "no rule named '{rule}'{suggestion}"),
    "C009": ("规则 “{rule}” 适用于 {entity},但申报材料中没有 {entity}", "rule '{rule}' applies to {entity}, which the claim does not contain"),
    "C010": ("{path}:嵌套过深或列表过长(上限 {limit})", "{path}: nested too deeply or list too long (limit {limit})"),
    "C011": ("无法读取申报材料:{detail}", "cannot read the claim: {detail}"),
    "C012": ("{path}:未知的县区 “{actual}”{suggestion}", "{path}: unknown county '{actual}'{suggestion}"),
    "C013": ("规则 “{rule}” 不是名单分类规则,可用:{choices}", "rule '{rule}' is not a classification; use one of: {choices}"),
    "X001": ("计算 {expr} 时除数为零", "division by zero in {expr}"),
    "X002": ("计算结果超出范围:{expr}", "result out of range: {expr}"),
}

TYPE_NAMES: Dict[str, Tuple[str, str]] = {
    "bool": ("是/否", "a yes/no value"),
    "integer": ("整数", "an integer"),
    "decimal": ("数值", "a number"),
    "money": ("金额", "an amount of money"),
    "number": ("数值", "a number"),
    "date": ("日期", "a date"),
    "text": ("文字", "text"),
    "enum": ("选项值", "one of the listed values"),
    "list": ("列表", "a list"),
    "record": ("记录", "a record"),
    "mapping": ("键值表", "a mapping"),
    "sequence": ("列表", "a list"),
    "null": ("空值", "nothing"),
}


class Word:
    """Text in both languages, chosen when a message is rendered in one of them."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en

    def __repr__(self) -> str:
        return f"Word({self.zh!r}, {self.en!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Word) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))

    def __reduce__(self):
        return (Word, (self.zh, self.en))


def type_word(kind: str) -> "Word":
    return Word(type_name(kind, "zh"), type_name(kind, "en"))


def render(table: Dict[str, Tuple[str, str]], code: str, lang: str, args: Dict[str, Any]) -> str:
    args = {key: (value.get(lang) if isinstance(value, Word) else value) for key, value in args.items()}
    zh, en = table[code]
    template = zh if lang == "zh" else en
    try:
        return template.format(**args)
    except (KeyError, IndexError):  # pragma: no cover - a missing argument is a bug, not a crash
        return template


def suggestion_text(candidates: Tuple[str, ...] | list, lang: str) -> str:
    if not candidates:
        return ""
    names = "、".join(candidates) if lang == "zh" else ", ".join(candidates)
    return f",是否想写 “{names}”?" if lang == "zh" else f"; did you mean '{names}'?"


def type_name(kind: str, lang: str) -> str:
    pair = TYPE_NAMES.get(kind)
    if pair is None:
        return kind
    return pair[0] if lang == "zh" else pair[1]


# ---------------------------------------------------------------- SQL target (mapping files, sql command)
SQL_MESSAGES: Dict[str, Tuple[str, str]] = {
    "Q001": ("映射文件:{detail}", "mapping file: {detail}"),
    "Q002": ("映射文件中 “{key}” 不是合法的 SQL 名称:{value}(只能用字母、数字和下划线,且不以数字开头)",
             "'{key}' in the mapping file is not a valid SQL name: {value} (letters, digits and underscores, not starting with a digit)"),
    "Q003": ("映射文件中的事实 “{fact}” 不在事实模式中{suggestion}", "fact '{fact}' in the mapping file is not in the fact schema{suggestion}"),
    "Q004": ("映射文件中未知的键 “{key}”{suggestion}", "unknown key '{key}' in the mapping file{suggestion}"),
    "Q005": ("规则 “{rule}” 使用了 SQL 目标尚不支持的写法:{what}", "rule '{rule}' uses something the SQL target does not support yet: {what}"),
    "Q006": ("不支持的 SQL 方言 “{dialect}”,可选:{choices}", "unknown SQL dialect '{dialect}'; choose one of: {choices}"),
    "Q007": ("--engine duckdb 需要 Python 包 duckdb 和 pyarrow(pip install 'subsidy-rules[sql]')",
             "--engine duckdb needs the Python packages duckdb and pyarrow (pip install 'subsidy-rules[sql]')"),
    "Q008": ("第 {line} 行不存在或为空:{file}", "line {line} does not exist or is empty: {file}"),
}
