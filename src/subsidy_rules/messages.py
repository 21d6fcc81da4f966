"""Every message a user can see, in Chinese and English, keyed by a stable code.

Codes are documented in docs/cli.md; tests pin them. Templates use str.format
with named fields only.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Tuple

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
    "E035": ("函数 “{name}” 需要 {expected} 个参数,给了 {actual} 个", "function '{name}' takes {expected} argument{es}, got {actual}"),
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
    # implied facts (schema `implied_by`)
    "E070": ("“{name}” 的 implied_by 只能写同一记录中的其他是/否字段,“{source}” 不是",
             "implied_by of '{name}' may only name other yes/no fields of the same record; '{source}' is not one"),
    "E053": ("未知的县区 “{name}”{suggestion}", "unknown county '{name}'{suggestion}"),
    # county overrides checked by the parameter's kind (floor / cap / fixed / threshold)
    "E054": ("{county} 的 “{name}” = {value}(自 {start} 起)没有注明依据", "{county} sets '{name}' = {value} (from {start}) without a source"),
    "E055": ("{county} 的 “{name}” = {value},高于市级上限 {limit}(自 {start} 起)", "{county} sets '{name}' = {value}, above the city cap {limit} (from {start})"),
    "E056": ("{county} 不能改变 “{name}”(改为 {value}):这是{kind} {limit}", "{county} cannot change '{name}' (to {value}): it is {kind}, {limit}"),
    # warnings
    "W001": ("参数 “{name}” 没有被任何规则使用", "parameter '{name}' is not used by any rule"),
    "W002": ("条件 “{id}” 永远不可能成立:{expr}", "condition '{id}' can never be true: {expr}"),
    "W003": ("条件 “{id}” 总是成立(只要已填报),不起作用:{expr}", "condition '{id}' is always true when known, so it decides nothing: {expr}"),
    "W004": ("条件 “{id}” 与同组的条件 “{other}” 互相矛盾,这一组永远不可能全部成立", "condition '{id}' contradicts '{other}' in the same group: the group can never be met"),
    "W005": ("规则 “{id}” 与规则 “{other}” 的适用对象和条件完全相同,生效期间又有重叠", "rule '{id}' has the same entity and conditions as rule '{other}', and their periods overlap"),
    # --- trace: source documents and quotes of the letter (policy/documents/) ---
    "E060": ("未找到文件正文 “{name}”:请把正文文件放在本元数据文件旁边", "document text '{name}' not found: put the text file beside this metadata file"),
    "E061": ("“{text}” 在 {file} 中出现 {count} 次,修补原文时应当恰好出现 1 次", "'{text}' occurs {count} times in {file}; a restoration must occur exactly once"),
    "E062": ("“{text}” 不在 {file} 中", "'{text}' does not occur in {file}"),
    "E063": ("{what} “{id}” 引用的原文不在 {document} 中", "the quote of {what} '{id}' does not occur in {document}"),
    "W010": ("{what} “{id}” 没有引用来函原文:它和它的规则都没有 source.quote", "{what} '{id}' quotes no words of the letter: neither it nor its rule has a source.quote"),
    "W011": ("{what} “{id}” 引用的文件 “{document}” 没有随政策提供,无法核对原文", "{what} '{id}' quotes '{document}', which the policy does not ship, so the quote cannot be checked"),
}

HINTS: Dict[str, Tuple[str, str]] = {
    "E003": ("把 *名称 替换为它代表的内容", "replace *name with the content it stands for"),
    "E010": ("检查拼写;可用的键:{allowed}", "check the spelling; allowed keys: {allowed}"),
    "E010C": ("{{ }} 里的逗号会把文字分开:含逗号的文字请加引号,如 zh: \"6个月以上,含6个月\"", "a comma inside {{ }} splits the text: quote text that contains commas, e.g. zh: \"6 or more, inclusive\""),
    "E010N": ("数字里不要写千位分隔符:1,500 要写成 1500(逗号会把它分成两项)",
              "write a number without thousands separators: 1,500 as 1500 (the comma splits it in two)"),
    "E051Q": ("去掉引号:加了引号的 {value} 是文字,不是数字", "remove the quotes: {value} in quotes is text, not a number"),
    "E013": ("日期写成 YYYY-MM-DD,并确认这一天存在", "write dates as YYYY-MM-DD and make sure the day exists"),
    "E030": ("检查括号、引号和运算符;字段路径用点号连接,如 employer.hires", "check brackets, quotes and operators; fact paths use dots, e.g. employer.hires"),
    "E034": ("比较两边必须是同一类数据:数字和数字、日期和日期、文字和文字", "both sides must be the same kind of data: numbers, dates or text"),
    "E036": ("把长条件拆成几个有编号的条件,放进 all/any 中", "split the condition into several named conditions under all/any"),
    "E050": ("“不低于”的标准县区只能提高,不能降低:把这个值改到市级底线以上(含),或删去这一行", "a county may raise a \"not lower than\" (不低于) standard, never lower it: set the value to the city floor or above, or delete the line"),
    # county overrides checked by the parameter's kind
    "E054": ("在这一条下面加上 source: {{document: 县区文件号, clause: 条款, quote: 原文}},写明县区标准出自哪个文件", "add source: {{document: the county's document number, clause: ..., quote: ...}} under this entry, naming the document that sets the county value"),
    "E055": ("“不超过”的上限县区只能降低,不能提高:把这个值改到市级上限以下(含),或删去这一行", "a county may lower a \"not more than\" (不超过) cap, never raise it: set the value to the city cap or below, or delete the line"),
    "E056": ("来函规定的固定标准和条件数值县区不能改变:删去这一行;如果来函的数值本身有误,请修改 parameters.yaml 中的市级取值并注明依据", "a fixed amount or threshold set by the letter cannot be changed by a county: delete the line; if the letter's value itself is wrong, change the city value in parameters.yaml with its source"),
    # --- trace ---
    "E063": ("把 quote 改成来函中的原话(可只摘一部分,中间省略处写 ……);来函中最接近的是:“{nearest}”。运行 subsidy-rules trace 可逐句查看来函", "copy the words of the letter into quote (a part is enough; write …… where words are left out); the closest words in the letter are: “{nearest}”. Run subsidy-rules trace to read the letter sentence by sentence"),
    "W010": ("在条件或规则的 source 下加 quote: 来函中规定这一条的原话", "add quote: under the source of the condition or its rule, with the letter's words that state it"),
    "W011": ("把该文件放进 policy/documents/,或在已有文件的 restates 中列出它", "ship the document in policy/documents/, or list it under restates of a shipped one"),
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

# ------------------------------------------------------------------ claim errors a clerk can act on
CLAIM.update({
    # C001 for a yes/no value and for a date: say what to write
    "C001B": ("{path}:请写 true 或 false(是写 true,否写 false),实际是 {actual}",
              "{path}: write true or false (yes is true, no is false), got {actual}"),
    "C001D": ("{path}:应当是日期,写成 YYYY-MM-DD(例如 2017-07-31),实际是 {actual}",
              "{path}: expected a date written YYYY-MM-DD (e.g. 2017-07-31), got {actual}"),
    "count": ("申报材料中共 {n} 个错误", "{n} error{s} in the claim"),
    "more": ("……另有 {n} 个错误未列出", "… and {n} more error{s}, not listed"),
})

DIAGNOSTICS["E012B"] = ("“{key}” 应当写 true 或 false(是写 true,否写 false),实际是{actual}",
                         "'{key}' should be true or false, got {actual}")

# the person (or other list item) a claim problem is about: positions count from 1
CLAIM_WORDS: Dict[str, Tuple[str, str]] = {
    "claim_person": ("第{n}名", "{noun} {n}"),
    "claim_thing": ("第{n}个", "{noun} {n}"),
    "claim_named": ("{who} {name}", "{who}, {name}"),
}


def claim_words(code: str, lang: str, **args: Any) -> str:
    return render(CLAIM_WORDS, code, lang, args)


CLAIM_HINTS: Dict[str, Tuple[str, str]] = {
    "C001B": ("不加引号:写 true 而不是 \"是\" 或 \"true\"", "no quotes: write true, not \"yes\" or \"true\""),
    "C001D": ("日期写成 YYYY-MM-DD,并确认这一天存在", "write dates as YYYY-MM-DD and make sure the day exists"),
    "C002": ("检查拼写;字段名见 docs/facts.md", "check the spelling; docs/facts.md lists every field"),
}

# in-force dates the source does not give (rule `in_force: {confirmed: false}`), flagged in every decision
IN_FORCE: Dict[str, Tuple[str, str]] = {
    "unconfirmed": ("⚠ 生效日期待核实:本规则按 {start} 起生效计算,来函未写明这一日期",
                    "⚠ in-force date to be confirmed: this rule is applied from {start}; the source does not give the date"),
}

# parameter kinds a county may not override (check E056), named in its message
PARAMETER_KINDS: Dict[str, Tuple[str, str]] = {
    "fixed": ("来函规定的固定标准", "a fixed amount set by the letter"),
    "threshold": ("来函规定的条件数值", "a threshold set by the letter"),
}

# ---- tables: reading and writing whole tables (tables/ package: evaluate, lists)
CLAIM.update({
    "T001": ("{path}:未知的列{suggestion}", "{path}: unknown column{suggestion}"),
    "T002": ("{path}:列名有歧义,可能是 {choices};请写成带点号的路径,如 {example}",
             "{path}: ambiguous column name, it could be {choices}; write the dotted path, e.g. {example}"),
    "T003": ("读取或写出 {fmt} 文件需要 Python 包 {package}:pip install 'subsidy-rules[tables]'",
             "{fmt} files need the Python package {package}: pip install 'subsidy-rules[tables]'"),
    "T004": ("无法读取 {fmt} 文件:{detail}", "cannot read the {fmt} file: {detail}"),
    "T005": ("{path}:这一列没有表头,却填了内容", "{path}: this column has no header but holds a value"),
    "T006": ("{path}:这一列与第 {first} 列重复", "{path}: the same column as column {first}"),
    "T007": ("工作簿中没有名为 “{sheet}” 的工作表,可用:{choices}", "the workbook has no sheet named '{sheet}'; sheets: {choices}"),
    "T008": ("xlsx 工作表最多 {limit} 行,输出超出;请改用 csv 或 parquet", "an xlsx sheet holds at most {limit} rows and the output has more; use csv or parquet"),
    "T012": ("工作表 “{sheet}” 里没有表格(开头没有表头);工作簿中的工作表:{choices}(用 --sheet 选择)",
             "sheet '{sheet}' holds no table (no header at its top); the workbook's sheets: {choices} (choose one with --sheet)"),
    "T009": ("无法写出 {detail}", "cannot write {detail}"),
    "T013": ("{path}:公式没有保存计算结果(多半是程序写出、从未在 Excel 中保存过的文件),读不到它的值;请用 Excel 或 WPS 打开这个工作簿、保存,再读取",
             "{path}: a formula whose result was never saved in the file (likely written by a program and never saved in Excel), "
             "so its value cannot be read; open the workbook in Excel or WPS, save it, and read it again"),
    "T010": ("这一行不是 UTF-8 编码的文字(第 {column} 个字节是 0x{byte}):请把文件另存为 UTF-8 编码(Excel 里另存为“CSV UTF-8(逗号分隔)”)",
             "this line is not UTF-8 text (byte {column} is 0x{byte}): save the file as UTF-8 (in Excel: Save As \"CSV UTF-8 (Comma delimited)\")"),
    "T011": ("第 {cell} 列的文字不是 UTF-8 编码(其中一个字节是 0x{byte}):请把文件另存为 UTF-8 编码(Excel 里另存为“CSV UTF-8(逗号分隔)”)",
             "the text in column {cell} is not UTF-8 (a byte of it is 0x{byte}): save the file as UTF-8 (in Excel: Save As \"CSV UTF-8 (Comma delimited)\")"),
})

TABLES: Dict[str, Tuple[str, str]] = {
    "header": ("表头:", "column header: "),
    "error": ("错误:", "error: "),
    "column": ("第 {n} 列({letter})“{name}”", "column {n} ({letter}) '{name}'"),
    "interrupted": ("已中断。", "interrupted."),
    "interrupted-file": ("已中断:{path} 没有生成(输出不完整,临时文件已删除);中断前已处理 {records} 条记录,写出 {rows} 行",
                         "interrupted: {path} was not written (the output was incomplete; its temporary file was removed); "
                         "{records} record(s) done, {rows} row(s) written before the interruption"),
    "interrupted-stdout": ("已中断:标准输出上的结果不完整;中断前已处理 {records} 条记录,写出 {rows} 行",
                           "interrupted: the output on standard output is incomplete; {records} record(s) done, "
                           "{rows} row(s) written before the interruption"),
    "interrupted-stream": ("已中断:写往 {path} 的结果不完整;中断前已处理 {records} 条记录,写出 {rows} 行",
                           "interrupted: the output written to {path} is incomplete; {records} record(s) done, "
                           "{rows} row(s) written before the interruption"),
    "failed-file": ("无法写出 {path}:{detail};该文件没有生成(临时文件已删除);此前已处理 {records} 条记录,写出 {rows} 行",
                    "cannot write {path}: {detail}; the file was not made (its temporary file was removed); "
                    "{records} record(s) done, {rows} row(s) written before the failure"),
    "interrupted-folder": ("已中断:{path} 中的名单文件没有生成(输出不完整,临时文件已删除;原有的同名文件保持不变);"
                           "中断前已处理 {records} 条记录,写出 {rows} 行",
                           "interrupted: the list files in {path} were not written (the output was incomplete; its "
                           "temporary files were removed, files already there are as they were); {records} record(s) "
                           "done, {rows} row(s) written before the interruption"),
    "needs-out": ("--format {fmt} 需要用 --out 指定输出文件", "--format {fmt} needs an output file: give --out FILE"),
    "sheet": ("判定结果", "results"),
    "damaged-sheet": ("{file}:工作表 “{sheet}” 从第 {row} 行起已损坏,读不下去({detail});请用 Excel 或 WPS 打开、另存后再读取",
                      "{file}: sheet '{sheet}' is damaged from row {row} on and cannot be read further ({detail}); "
                      "open it in Excel or WPS, save it again and read it again"),
    "same-file": ("{first} 和 {second} 是同一个文件({path}):一个会覆盖另一个,请换一个文件名",
                  "{first} and {second} name the same file ({path}): one would overwrite the other; choose another name"),
    "out-folder": ("--out {path} 是一个文件夹:请给出一个文件名", "--out {path} is a folder: give a file name"),
    "json-at": ("第 {column} 个字符处{what}", "at character {column}: {what}"),
    "json-nan": ("{name} 不是申报材料可以写的数字", "{name} is not a number a record may hold"),
    "lone-surrogate": ("{code} 是半个字符(单独的代理码位),不是文字", "{code} is half of a character (a lone surrogate), not text"),
    "number-range": ("有一个数字超出了可以表示的范围", "a number is out of range"),
    "claim-not-utf8": ("不是 UTF-8 编码的文字(这里的字节是 0x{byte});请把文件另存为 UTF-8 编码",
                       "not UTF-8 text (the byte here is 0x{byte}); save the file as UTF-8"),
    "claim-needed": ("请给出申报材料文件,或用 --row 文件:行号 指出表格中的一行", "give a claim file, or a table's row as --row FILE:LINE"),
    "not-found": ("{path}:找不到这个文件", "{path}: no such file"),
    "body-not-utf8": ("请求内容不是 UTF-8 编码的文字", "the body is not UTF-8 text"),
    "body-not-json": ("请求内容应当是一个 JSON 对象({{…}})或列表([…])", "the body should be a JSON object ({{…}}) or list ([…])"),
    "row-width": ("这一行有 {cells} 格,表头有 {header} 格", "the row has {cells} cells, the header {header}"),
    "csv-row": ("这一行不能按 CSV 读取({detail})", "the row cannot be read as CSV ({detail})"),
}

# output column headers, by the key the JSON Lines rows use
COLUMNS: Dict[str, Tuple[str, str]] = {
    "line": ("行号", "line"),
    "id": ("编号", "id"),
    "rule": ("规则", "rule"),
    "outcome": ("结果", "outcome"),
    "amount": ("金额", "amount"),
    "missing": ("待补充的信息", "missing"),
    "decision": ("判定详情", "decision"),
    "name": ("姓名", "name"),
    "county": ("县区", "county"),
    "township": ("乡镇", "township"),
    "village": ("村", "village"),
    "reason": ("理由", "reason"),
}

# what an input column may be called besides as_of, jurisdiction and id
RESERVED_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "id": ("编号", "ID"),
    "as_of": ("评估日期", "判定日期", "As of"),
    "jurisdiction": ("管辖县区", "Jurisdiction"),
}


def table_word(key: str, lang: str, **args: Any) -> str:
    """A word of the table readers and writers (TABLES), filled in."""
    return render(TABLES, key, lang, args)


# what the JSON decoder says of a line (its own English) -> what a clerk reads
JSON_PROBLEMS: Dict[str, Tuple[str, str]] = {
    "Expecting ',' delimiter": (":缺少半角逗号 “,”", "a ',' is missing"),
    "Expecting ':' delimiter": (":键后缺少半角冒号 “:”", "a ':' is missing after the key"),
    "Expecting property name enclosed in double quotes": (":键要用双引号括起来(或这里多了一个逗号)",
                                                          "a key must be in double quotes (or a comma is one too many here)"),
    "Expecting value": (":这里缺少一个值(或多了一个逗号)", "a value is missing here (or a comma is one too many)"),
    "Extra data": (":一条记录之后还有多余的内容,一行只写一条记录", "there is more after the record: one record per line"),
    "Unterminated string starting at": (":引号没有闭合", "a quote is not closed"),
    "Invalid control character at": (":引号里有控制字符(如换行、Tab),请写成 \\n、\\t", "a control character (a line break, a tab) inside quotes: write \\n, \\t"),
    "Invalid \\escape": (":反斜杠 “\\” 后面的字符无效", "a backslash is followed by a character it cannot escape"),
}


def json_problem(msg: str, column: int) -> "Word":
    """A JSON decoder's problem with a line, in both languages, at its character."""
    zh, en = JSON_PROBLEMS.get(msg, (":" + msg, msg))
    return Word(table_word("json-at", "zh", column=column, what=zh), table_word("json-at", "en", column=column, what=en))


def table_word_pair(key: str, **args: Any) -> "Word":
    """A table word in both languages, for an error argument worded when it is shown."""
    return word_pair(TABLES, key, **args)


def column_label(key: str, lang: str) -> str:
    """The header of an output column in ``lang``; an unknown key is its own header."""
    pair = COLUMNS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
# command summaries (test, lists) and the prefix of a CLI error line
SUMMARY: Dict[str, Tuple[str, str]] = {
    "cases": ("{passed} passed, {failed} failed(共 {total} 个用例)", "{passed} passed, {failed} failed ({total} cases)"),
    "sorted": ("读入 {read} 条 = 已分类 {sorted} 条 + 已拒绝 {rejected} 条", "records read {read} = sorted {sorted} + rejected {rejected}"),
    "error": ("错误:", "error: "),
    # evaluate's summary table, reconciliation and error lines; lists' missing facts and place heads
    "head_rule": ("规则", "rule"),
    "head_eligible": ("符合", "eligible"),
    "head_ineligible": ("不符合", "ineligible"),
    "head_undetermined": ("待定", "undetermined"),
    "head_amount": ("金额合计", "total amount"),
    "read": ("读入 {read} 条 = 已判定 {decided} 条 + 已拒绝 {rejected} 条",
             "records read {read} = decided {decided} + rejected {rejected}"),
    "line": ("第 {n} 行", "line {n}"),
    "not_given": ("未填报: ", "not given: "),
    "head_county": ("县区", "county"),
    "head_township": ("乡镇", "township"),
    "name_a_kind": ("请指定类型:", "name a kind: "),
}


def summary_word(key: str, lang: str, **args: Any) -> str:
    return render(SUMMARY, key, lang, args)
# ---- end tables


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


# --- trace: kinds of things that cite the letter, and the words of the trace report ---
TRACE_KINDS: Dict[str, Tuple[str, str]] = {
    "rule": ("规则", "rule"),
    "condition": ("条件", "condition"),
    "criterion": ("标准", "criterion"),
    "class": ("名单", "list"),
    "parameter": ("参数", "parameter"),
}

TRACE: Dict[str, Tuple[str, str]] = {
    "heading": ("{id} {title}({date})", "{id} {title} ({date})"),
    "legend": ("逐句列出来函;每句下面是引用它的规则、条件和参数。● 规范性语句,已有规则引用;✗ 规范性语句,没有任何规则引用;○ 叙述性语句,有规则引用;无标记的是叙述性语句。",
               "The letter sentence by sentence, with what quotes each one below it. ● normative, quoted by a rule; ✗ normative, quoted by nothing; ○ narrative, quoted; no mark: narrative."),
    "restored": ("来函发布时缺失的字已补回:{list}", "Characters lost in the published text are restored: {list}"),
    "uncovered_mark": ("未覆盖", "not covered"),
    "preamble": ("(开头)", "(opening)"),
    "summary": ("共 {sentences} 句,其中规范性语句 {normative} 句:已覆盖 {covered} 句,未覆盖 {uncovered} 句。",
                "{sentences} sentences, {normative} of them normative: {covered} covered, {uncovered} not covered."),
    "uncovered_head": ("没有任何规则引用的规范性语句:{list}", "Normative sentences no rule quotes: {list}"),
    "not_found_head": ("引文在来函中找不到(请改正 quote,见 subsidy-rules check):", "Quotes not found in the letter (correct the quote; see subsidy-rules check):"),
    "unshipped_head": ("引用了未随政策提供的文件,无法核对:", "Quotes of documents the policy does not ship, not checked:"),
    "no_documents": ("本政策没有提供来函原文(policy/documents/)", "this policy ships no source document (policy/documents/)"),
    "sentence": ("第{index}句", "sentence {index}"),
    "problem_quote": ("{where} {what}:“{quote}”", "{where} {what}: “{quote}”"),
    "problem_document": ("{where} {what}:{document}", "{where} {what}: {document}"),
    "restating": ("{shipped}(它转述了 {cited})", "{shipped} (which restates {cited})"),
}


def trace_word(key: str, lang: str, **args: Any) -> str:
    return render(TRACE, key, lang, args)


def kind_word(kind: str) -> "Word":
    """What cites the letter (rule, condition, criterion, list, parameter), in both languages."""
    zh, en = TRACE_KINDS[kind]
    return Word(zh, en)


def trace_word_pair(key: str, **args: Any) -> "Word":
    """A trace phrase in both languages, for a diagnostic argument worded when it is shown."""
    return word_pair(TRACE, key, **args)


def word_pair(table: Dict[str, Tuple[str, str]], key: str, **args: Any) -> "Word":
    """An entry of a catalogue filled in both languages, to be chosen when it is shown."""
    return Word(render(table, key, "zh", args), render(table, key, "en", args))


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


# the small forms every renderer shares: labels of a diagnostic line, separators, money, units
FORMS: Dict[str, Tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "hint": ("  提示:", "  hint: "),
    "list_sep": ("、", ", "),
    "clause_sep": (";", "; "),
    "colon": (":", ": "),
    "money": ("{sign}{amount} 元", "{sign}CNY {amount}"),
    "with_unit": ("{text}{unit}", "{text} {unit}"),
    "person_path": ("{who} {path}", "{path} ({who})"),
    "suggestion": (",是否想写 “{names}”?", "; did you mean '{names}'?"),
    "not_sentence": ("以下不成立:{inner}", "not: {inner}"),
    "operand_values": ("(其中 {values})", " (with {values})"),
}


_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#])")  # emphasis, code, links, HTML, tables, headings


def one_line(text: str) -> str:
    """Text from a claim, shown on one line of an explanation: a line break or other control (or
    direction) character is written as its escape, so a value cannot start a line of its own."""
    return _BREAKS.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), text)


def markdown_text(text: str) -> str:
    """Text shown as itself in Markdown: every character Markdown (or HTML in it) would read escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def form(key: str, lang: str, **args: Any) -> str:
    """One of the shared small forms (FORMS), filled in."""
    return render(FORMS, key, lang, args)


def joined(parts: Iterable[str], lang: str, sep: str = "list_sep") -> str:
    """Parts joined with the language's list (、) or clause (;) separator."""
    return form(sep, lang).join(parts)


def suggestion_text(candidates: Tuple[str, ...] | list, lang: str) -> str:
    if not candidates:
        return ""
    return form("suggestion", lang, names=joined(candidates, lang))


def type_name(kind: str, lang: str) -> str:
    pair = TYPE_NAMES.get(kind)
    if pair is None:
        return kind
    return pair[0] if lang == "zh" else pair[1]


# ------------------------------------------------------------------ explanations a clerk can read aloud
# (explain.py: sentences for failed comparisons, people named in missing facts, plurals)

EXPLAIN: Dict[str, Tuple[str, str]] = {
    # what a comparison needed, after "{subject} {value},"
    "need>=": ("需要 {t} 以上(含)", "needs at least {t}"),
    "need>": ("需要超过 {t}", "needs more than {t}"),
    "need<=": ("需要 {t} 以下(含)", "needs at most {t}"),
    "need<": ("需要低于 {t}", "needs less than {t}"),
    "need==": ("应为 {t}", "should be {t}"),
    "need!=": ("不能是 {t}", "may not be {t}"),
    "need_in": ("应为 {t} 之一", "should be one of {t}"),
    "need_not_in": ("不能是 {t}", "may not be any of {t}"),
    "sentence": ("{subject} {value},{need}", "{subject} {value}; {need}"),
    "then_need": ("{shown},{need}", "{shown}; {need}"),
    "short": ("差 {gap}", "short by {gap}"),
    "over": ("超出 {gap}", "over by {gap}"),
    "gap_suffix": (",{gap}", " ({gap})"),
    "points_gap": ("{gap} 个百分点", "{gap} percentage points"),
    "arith": ("{left} {op} {right}", "{left} {op} {right}"),
    "ratio_value": ("{num_name} {num} ÷ {den_name} {den} = {pct}", "{num_name} {num} ÷ {den_name} {den} = {pct}"),
    "ratio_of": ("{num_name}占{den_name}的比例", "share of {den_name} that are {num_name}"),
    "or": ("、", ", "),
    "or_parts": (";", "; "),
    # a person (or another item of a list) named for people: positions count from 1
    "person": ("第{n}名{noun}", "{noun} {n}"),
    "thing": ("第{n}个{noun}", "{noun} {n}"),
    "named": ("{who} {name}", "{who} ({name})"),
    "fact_of": ("{who}:{fact}", "{who}: {fact}"),
    "item_head": ("第{n}{measure}", "#{n}"),
    "measure_person": ("名", ""),
    "measure_thing": ("个", ""),
    # an ineligible decision: items that met their own conditions are not paid
    "items_unpaid": ("{ok} 项本项条件符合(整体不符合条件,不计金额),{no} 项不符合,{unk} 项无法确定",
                     "{ok} met their own conditions (not paid: the claim as a whole is not eligible), {no} not eligible, {unk} undetermined"),
    "item_unpaid": ("本项条件符合,整体不符合条件,不计金额", "meets its own conditions; not paid, the claim as a whole is not eligible"),
    "total_one": ("合计 {n} 项,共 {amount}", "{n} item, total {amount}"),
    "total_many": ("合计 {n} 项,共 {amount}", "{n} items, total {amount}"),
    "amount_is": ("{amount}({shown})", "{amount} ({shown})"),
    "with_unit": ("{text}{unit}", "{text} {unit}"),
}

# English units and nouns that take a plural: singular form by plural form ("1 village", "2 villages").
# Chinese has no plural, so only English needs the table.
PLURALS: Dict[str, str] = {
    "villages": "village", "months": "month", "years": "year", "persons": "person", "people": "person",
    "households": "household", "posts": "post", "bases": "base", "businesses": "business", "workers": "worker",
    "items": "item", "rules": "rule", "errors": "error", "warnings": "warning", "claims": "claim",
    "decisions": "decision", "cases": "case", "points": "point", "pts": "pt", "townships": "township",
    "days": "day", "records": "record",
}


def plural_en(count: Any, word: str) -> str:
    """The English form of ``word`` (given in the plural) that goes with ``count``: 1 village, 2 villages."""
    try:
        one = count == 1 and not isinstance(count, bool)
    except TypeError:  # pragma: no cover - a value that cannot be compared is shown as written
        one = False
    if not one:
        return word
    head, _, tail = word.partition(" ")  # "yuan per person": only the first word counts
    single = PLURALS.get(head)
    if single is None:
        return word
    return single + ((" " + tail) if tail else "")


def explain_text(code: str, lang: str, **args: Any) -> str:
    return render(EXPLAIN, code, lang, args)


# ------------------------------------------------------------------ check, test and rules: which folder, tests and claims
DIAGNOSTICS.update({
    "E080": ("用例 “{name}” 引用了未知的规则 “{rule}”{suggestion}", "case '{name}' names unknown rule '{rule}'{suggestion}"),
    "E081": ("用例 “{name}” 期望的条件 “{id}” 不在规则 “{rule}” 中{suggestion}",
             "case '{name}' expects condition '{id}', which rule '{rule}' does not have{suggestion}"),
})

CLI: Dict[str, Tuple[str, str]] = {
    "folder_given": ("策略文件夹:{path}", "policy folder: {path}"),
    "folder_local": ("策略文件夹:{path}(当前文件夹中的 policy)", "policy folder: {path} (./policy in the current folder)"),
    "folder_bundled": ("策略文件夹:{path}(随包附带的政策)", "policy folder: {path} (the bundled policy)"),
    "counts": ("共 {errors} 个错误,{warnings} 个警告", "{errors} error{es}, {warnings} warning{ws}"),
    "check_ok": ("检查通过:{path} 共 {rules} 条规则、{cases} 个测试用例{claims}{warn}",
                 "ok: {path}: {rules} rule{rs}, {cases} test case{cs}{claims}{warn}"),
    "check_claims": ("、{n} 份申报材料", ", {n} claim{s}"),
    "check_warn": (",{n} 个警告", ", {n} warning{s}"),
}


def cli_text(code: str, lang: str, **args: Any) -> str:
    return render(CLI, code, lang, args)


def plural_s(count: int) -> str:
    """The English plural ending for a count: 1 rule, 2 rules."""
    return "" if count == 1 else "s"


# ------------------------------------------------------------------ YAML and expression syntax errors that name the fix
DIAGNOSTICS.update({
    "E074": ("编号 “{id}” 留给规则里没有编号的条件组(n 加数字,如 n0):请换一个编号",
             "id '{id}' is kept for the groups of a rule that have no id (n and digits, like n0): choose another"),
    "E072": ("这一行用 Tab 缩进:请用空格缩进,不要用 Tab", "this line is indented with a tab: indent with spaces, not tabs"),
    "E073": ("“{found}” 是全角符号:请改用半角 {fix}", "'{found}' is a full-width character: use the half-width {fix}"),
    "E047": ("表达式中的 “{found}” 是全角符号:请改用半角 {fix}", "'{found}' in the expression is full-width: use the half-width {fix}"),
    "E048": ("表达式中不能写 “{found}”:用 {fix}", "the expression cannot say '{found}': use {fix}"),
})
HINTS.update({
    "E010F": ("“：” 是全角冒号:请改用半角 “:”,冒号后加一个空格,如 zh: 文字", "'：' is a full-width colon: use ':' followed by a space"),
    "E072": ("YAML 只认空格缩进;在编辑器中把 Tab 设为插入空格", "YAML only accepts spaces for indentation; set the editor to insert spaces for Tab"),
    "E073": ("全角符号要改半角:>= , : ( ) 等都用英文输入法输入", "type >= , : ( ) and the like with the English input method"),
    "E047": ("全角符号要改半角:>= , : ( ) 等都用英文输入法输入", "type >= , : ( ) and the like with the English input method"),
    "E048": ("条件用 and(并且)、or(或者)、not(不是)连接,如 labourer.age >= 16 and labourer.able_to_work",
             "join conditions with and, or, not, e.g. labourer.age >= 16 and labourer.able_to_work"),
})
def parameter_kind_word(kind: str) -> "Word":
    zh, en = PARAMETER_KINDS.get(kind, (kind, kind))
    return Word(zh, en)


# ---------------------------------------------------------------- web server (subsidy-rules serve)
SERVER: Dict[str, Tuple[str, str]] = {
    "S001": ("请求内容过大(上限 {limit} 字节)", "request body too large (limit {limit} bytes)"),
    "S002": ("请求内容类型应当是 application/json(UTF-8),实际是 “{actual}”", "the request body must be application/json (UTF-8), got '{actual}'"),
    "S003": ("缺少或无效的访问令牌(请求头 Authorization: Bearer <令牌>)", "missing or invalid access token (header Authorization: Bearer <token>)"),
    "S004": ("没有这个地址:{path}", "no such address: {path}"),
    "S005": ("此地址不接受 {method} 请求", "this address does not accept {method}"),
    "S006": ("请求内容发送过慢,已超时({limit} 秒)", "the request body came too slowly and timed out ({limit} s)"),
    "S007": ("一次最多提交 {limit} 份申报材料,实际 {actual} 份", "at most {limit} claims per request, got {actual}"),
    "S008": ("“{value}” 不是有效的编号:只能用小写字母、数字和连字符(如 hiring-award)", "'{value}' is not a valid id: use lower-case letters, digits and hyphens (like hiring-award)"),
    "S009": ("没有名为 “{name}” 的示例{suggestion}", "no example named '{name}'{suggestion}"),
    "S010": ("服务器内部错误(请求编号 {request_id})", "internal server error (request id {request_id})"),
    "S011": ("参数 {name} 的取值 “{value}” 无效,可选:{choices}", "parameter {name} has invalid value '{value}'; choose one of: {choices}"),
    "S012": ("“{key}” 应当是{expected}", "'{key}' should be {expected}"),
    "S020": ('错误:绑定 {host} 会让其他计算机访问申报材料(含姓名、身份证号)。请用 --tokens 文件 指定访问令牌,或明确加上 --no-auth。', 'error: binding {host} lets other computers reach claims (names, ID numbers). Give bearer tokens with --tokens FILE, or say --no-auth explicitly.'),  # serve: needs_auth
    "S021": ('错误:--tokens 与 --no-auth 不能同时使用。', 'error: --tokens and --no-auth cannot be used together.'),  # serve: both
    "S022": ('警告:--no-auth:{host}:{port} 上的接口不需要令牌,任何能连到这台计算机的人都能提交和查看申报材料。', 'warning: --no-auth: the API on {host}:{port} takes no token; anyone who can reach this computer can submit and read claims.'),  # serve: no_auth
    "S023": ('错误:令牌文件 {path}:{detail}', 'error: token file {path}: {detail}'),  # serve: tokens
    "S024": ('没有令牌(每行一个)', 'no tokens (one per line)'),  # serve: empty
    "S025": ('第 {line} 行的令牌含有空白字符', 'the token on line {line} contains white space'),  # serve: space
    "S026": ('subsidy-rules serve:{policy}({rules} 条规则)在 http://{host}:{port}/ ;访问令牌:{auth};跨域:{cors};重新加载:{reload}', 'subsidy-rules serve: {policy} ({rules} rules) at http://{host}:{port}/ ; tokens: {auth}; CORS: {cors}; reload: {reload}'),  # serve: serving
    "S027": ('开启', 'on'),  # serve: on
    "S028": ('关闭', 'off'),  # serve: off
}


# ---------------------------------------------------------------- web server: a rule's conditions in words
# how the rule browser joins the sentences of an `and` / `or` condition ("… 或 …")
RULE_WORDING: Dict[str, Tuple[str, str]] = {
    "or": ("{left} 或 {right}", "{left} or {right}"),
    "and": ("{left} 且 {right}", "{left} and {right}"),
}


def rule_wording(key: str, lang: str, **args: Any) -> str:
    return render(RULE_WORDING, key, lang, args)


# ---------------------------------------------------------------- SQL target (mapping files, sql command)
SQL_MESSAGES: Dict[str, Tuple[str, str]] = {
    "Q001": ("映射文件:{detail}", "mapping file: {detail}"),
    "Q002": ("映射文件中 “{key}” 不是合法的 SQL 名称:{value}(最多 63 个字母、数字和下划线,且不以数字开头)",
             "'{key}' in the mapping file is not a valid SQL name: {value} (at most 63 letters, digits and underscores, not starting with a digit)"),
    "Q003": ("映射文件中的{what}不在事实模式中{suggestion}", "{what} in the mapping file is not in the fact schema{suggestion}"),
    "Q004": ("映射文件中未知的键 “{key}”{suggestion}", "unknown key '{key}' in the mapping file{suggestion}"),
    "Q005": ("规则 “{rule}” 使用了 SQL 目标尚不支持的写法:{what}", "rule '{rule}' uses something the SQL target does not support yet: {what}"),
    "Q006": ("不支持的 SQL 方言 “{dialect}”,可选:{choices}", "unknown SQL dialect '{dialect}'; choose one of: {choices}"),
    "Q007": ("--engine duckdb 需要 Python 包 duckdb 和 pyarrow(pip install 'subsidy-rules[sql]')",
             "--engine duckdb needs the Python packages duckdb and pyarrow (pip install 'subsidy-rules[sql]')"),
    "Q008": ("第 {line} 行不存在或为空:{file}", "line {line} does not exist or is empty: {file}"),
    "Q012": ("实体 “{entity}” 的字段 “{first}” 和 “{second}” 只差大小写:DuckDB 和 Spark 比较名称时不分大小写,会把它们当成同一个;请给其中一个改名",
             "entity '{entity}' has fields '{first}' and '{second}', which differ only in case: DuckDB and Spark compare names without case and would take them for one; rename one"),
    "Q013": ("默认表格布局中 {key} 的列名 “{column}” 已经用于 {other}:请用 --mapping 给出映射文件,为其中一个另起列名",
             "in the default table layout {key} has the column name '{column}', which {other} already uses: give a mapping file (--mapping) that names one of them otherwise"),
    "Q011": ("--row 要写成 文件:行号(行号从 1 开始,如 labourers.jsonl:12),实际是 “{spec}”",
             "--row is written FILE:LINE (lines count from 1, like labourers.jsonl:12), got '{spec}'"),
    "Q009": ("映射文件中 “{key}” 的列名 “{column}” 已经用于 {other},一列只能放一项",
             "'{key}' in the mapping file names the column '{column}', which {other} already uses; one column holds one thing"),
    "Q010": ("映射文件中 “{key}” 的名称 “{column}” 以下划线开头:这样的名称留给查询自己的列,请换一个",
             "'{key}' in the mapping file names '{column}', which starts with an underscore: such names are kept for the query's own columns; choose another"),
}
# details of a mapping file's Q001
SQL_WORDS: Dict[str, Tuple[str, str]] = {
    "not-a-mapping": ("这里应当是“键: 值”形式的映射", "a mapping (key: value) is expected"),
    "should-be-mapping": ("“{name}” 下应当是“键: 值”形式的映射", "'{name}' should be a mapping (key: value)"),
    "unreadable": ("{path}:{detail}", "{path}: {detail}"),
    # what else uses a column (Q009, Q013)
    "key-column": ("主键列", "the key column"),
    "entity": ("实体 “{name}”", "entity '{name}'"),
    "fact": ("事实 “{name}”", "fact '{name}'"),
}
