"""Make the example township workbook of docs/zh/excel.md and docs/en/excel.md: the shape
townships send (a title row, then Chinese column headers, one labourer a row).

    python examples/township/make_workbook.py /tmp/运山镇.xlsx
"""

from __future__ import annotations

import datetime as _dt
import sys

import openpyxl

TITLE = "苍溪县运山镇农村劳动力实名制信息表(2017年7月)"
HEADER = ["编号", "评估日期", "姓名", "公民身份号码", "性别", "年龄", "户籍所在县区", "户籍所在乡镇", "户籍所在村",
          "农村建卡贫困家庭劳动者", "有劳动能力", "就业状态", "就业意向",
          "能力（培训）需求",  # full-width brackets, as a Chinese input method types them: read all the same
          "有创业意愿", "参加了创业培训", "组织创业(牵头组织他人共同创业,如领办合作社)"]
DAY = _dt.date(2017, 7, 31)
ROWS = [
    ["YS-001", DAY, "王德明", "510824********3512", "male", 42, "苍溪县", "运山镇", "梨园村", "是", "是",
     "transferred_out", "transfer_out", "none", "否", "否", "否"],
    ["YS-002", DAY, "李秀英", "510824********2046", "female", 38, "苍溪县", "运山镇", "梨园村", "是", "是",
     "self_employed", "self_employment", "entrepreneurship", "是", "是", "是"],
    ["YS-003", DAY, "张国富", "510824********3319", "male", 51, "苍溪县", "运山镇", "柏林村", "是", "是",
     "public_welfare_post", "local_employment", "vocational_skills", "否", "否", "否"],
    ["YS-004", DAY, "赵春兰", "510824********1627", "female", "三十五", "苍溪县", "运山镇", "柏林村", "是", "是",
     "farming", "farming", "none", "否", "否", "否"],
    ["YS-005", DAY, "陈小军", "510824********0913", "male", 29, "苍溪县", "运山镇", "柏林村", "是", "是",
     "self_employed", None, "entrepreneurship", "是", "是", None],
]


def make(path: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "劳动力信息"
    sheet.append([TITLE])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=3, min_col=2, max_col=2):
        row[0].number_format = "yyyy-mm-dd"
    book.save(path)


if __name__ == "__main__":
    make(sys.argv[1] if len(sys.argv) > 1 else "运山镇.xlsx")
