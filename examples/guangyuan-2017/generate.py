#!/usr/bin/env python3
"""A synthetic Guangyuan (广元市) for the year 2017, as claims for `subsidy-rules`.

    python examples/guangyuan-2017/generate.py --out DIR [--scale 1.0] [--seed 2017]

Writes JSON Lines files, one claim per line, into DIR:

  labourers.jsonl              the "一库" of poor labourers able to work (one labourer + household per line)
  employers.jsonl              employer claims (hiring award, employment base, pre-job training, returnee enterprise)
  agencies.jsonl               job-agency claims (job-placement service subsidy)
  loans.jsonl                  start-up guaranteed loans (interest subsidy)
  posts.jsonl                  public-welfare posts (post subsidy), one holder each ("一对一")
  villages.jsonl               the villages leaving poverty in 2017 (demonstration-village acceptance)
  counties.jsonl               the seven counties and districts (demonstration-village quota)
  labourers-with-errors.jsonl  a few labourer lines with deliberate mistakes, to show error reporting

At --scale 1.0 the aggregates are the figures of 广人社函〔2017〕207号 (2017-07-31):
45,600 poor labourers able to work, 43,800 of them employed, 1,551 placed in
public-welfare posts (1,551 posts), 255 villages leaving poverty, 3 demonstration
villages built, 94 employment bases at all levels, 3,841 labourers trained.
At other scales every figure is rounded from those (with small minimums).

Everything is invented (names, ID numbers, companies, villages) except the county
and district names and their area codes; township names follow the 2017
administrative divisions as far as we know them. ID numbers are written masked
(510823********2316), as published lists show them, so no real person's number is
produced. Standard library only, no network, fixed seed: the same seed and scale
give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

AS_OF = dt.date(2017, 7, 31)
YEAR = 2017

# ---------------------------------------------------------------------------- the letter's figures
LETTER = {
    "labourers": 45_600,          # 4.56万名有劳动能力的贫困劳动者
    "employed": 43_800,           # 4.38万人实现就业
    "public_welfare_posts": 1_551,  # 开发公益类岗位1551个,“一对一”安置贫困劳动者1551人
    "villages": 255,              # 2017年255个脱贫村
    "demonstration_villages": 3,  # 全市已建成就业扶贫示范村3个
    "employment_bases": 94,       # 多层级就业扶贫基地94个
    "trained": 3_841,             # 培训贫困劳动者3841人
}

# How the 43,800 employed and the 1,800 not employed split by employment status
# (our assumption; the letter gives only the totals). "Employed" = the four
# statuses transferred_out, local_employed, self_employed, public_welfare_post.
EMPLOYED_SPLIT = {"transferred_out": 27_949, "local_employed": 12_200, "self_employed": 2_100}
NOT_EMPLOYED_SPLIT = {"farming": 1_000, "unemployed": 800}
EMPLOYED_STATUSES = ("transferred_out", "local_employed", "self_employed", "public_welfare_post")

# ---------------------------------------------------------------------------- geography
# County or district, area code (行政区划代码), labourers, villages leaving poverty in 2017,
# whether it leaves poverty (摘帽) in 2017 (an assumption of this synthetic city), townships.
COUNTIES: List[Tuple[str, str, int, int, bool, Tuple[str, ...]]] = [
    ("利州区", "510802", 3_000, 16, True, (
        "宝轮镇", "大石镇", "荣山镇", "三堆镇", "赤化镇", "金洞乡", "龙潭乡", "白朝乡")),
    ("昭化区", "510811", 5_400, 31, False, (
        "元坝镇", "昭化镇", "卫子镇", "王家镇", "磨滩镇", "柏林沟镇", "太公镇", "红岩镇", "虎跳镇",
        "射箭乡", "清水乡", "文村乡", "晋贤乡", "梅树乡", "张家乡", "丁家乡", "明觉乡", "香溪乡",
        "大朝乡", "白果乡", "紫云乡")),
    ("朝天区", "510812", 4_200, 23, False, (
        "朝天镇", "中子镇", "沙河镇", "羊木镇", "曾家镇", "大滩镇", "两河口乡", "李家乡", "宣河乡",
        "转斗乡", "小安乡", "临溪乡", "麻柳乡", "蒲家乡", "平溪乡", "汪家乡", "鱼洞乡", "云雾山乡",
        "水磨乡", "西北乡")),
    ("旺苍县", "510821", 8_000, 45, False, (
        "东河镇", "嘉川镇", "木门镇", "白水镇", "尚武镇", "张华镇", "黄洋镇", "普济镇", "三江镇",
        "五权镇", "高阳镇", "双汇镇", "英萃镇", "国华镇", "龙凤乡", "大德乡", "化龙乡", "盐河乡",
        "大两乡", "天星乡", "正源乡", "福庆乡", "万山乡", "檬子乡", "金溪乡")),
    ("青川县", "510822", 5_000, 28, False, (
        "乔庄镇", "青溪镇", "房石镇", "关庄镇", "凉水镇", "竹园镇", "木鱼镇", "沙洲镇", "姚渡镇",
        "蒿溪回族乡", "前进乡", "曲河乡", "孔溪乡", "茶坝乡", "大院回族乡", "七佛乡", "马鹿乡",
        "三锅乡", "骑马乡", "板桥乡", "营盘乡", "红光乡", "瓦砾乡", "黄坪乡", "乐安寺乡", "观音店乡",
        "白家乡", "桥楼乡", "金子山乡", "建峰乡", "苏河乡", "阳平乡")),
    ("剑阁县", "510823", 9_200, 52, False, (
        "普安镇", "下寺镇", "白龙镇", "元山镇", "武连镇", "开封镇", "龙源镇", "鹤龄镇", "杨村镇",
        "金仙镇", "柳沟镇", "王河镇", "公兴镇", "香沉镇", "羊岭镇", "盐店镇", "江口镇", "东宝镇",
        "演圣镇", "木马镇", "涂山乡", "毛坝乡", "樵店乡", "高观乡", "义兴乡")),
    ("苍溪县", "510824", 10_800, 60, False, (
        "陵江镇", "云峰镇", "东青镇", "白驿镇", "元坝镇", "歧坪镇", "漓江镇", "文昌镇", "龙王镇",
        "五龙镇", "永宁镇", "亭子镇", "龙山镇", "鸳溪镇", "高坡镇", "三川镇", "东溪镇", "运山镇",
        "唤马镇", "岳东镇", "石门乡", "月山乡", "彭店乡", "白鹤乡", "浙水乡", "雍河乡", "桥溪乡")),
]
assert sum(c[2] for c in COUNTIES) == LETTER["labourers"]
assert sum(c[3] for c in COUNTIES) == LETTER["villages"]

# The three demonstration villages built by 2017-07-31: two in 利州区, where the plan
# was piloted in the first half of 2017, and 新华村 of 白龙镇 in 剑阁县 (the village of
# examples/claims/demonstration-village-eligible.yaml).
DEMO_VILLAGES = [("利州区", "宝轮镇", "柏杨村"), ("利州区", "荣山镇", "青龙村"), ("剑阁县", "白龙镇", "新华村")]

VILLAGE_WORDS = (
    "新华 石板 柏杨 青龙 白岩 红星 桂花 马鞍 凤凰 金鸡 黄桷 双河 三合 五星 和平 团结 光明 胜利 新民 "
    "龙井 龙泉 石门 松林 竹园 茶园 梨树 核桃 青杠 白果 水井 高峰 天池 观音 花园 堰塘 大湾 长岭 寨子 "
    "油房 庙坪 学堂 峰岩 田坝 河坝 梓桐 斑竹 清泉 永兴 永胜 联合 合力 兴隆 太平 万安 安乐 杨柳 枣林 "
    "菜园 牌坊 鹿鸣 金星 红旗 东岳 西河 南山 北坝 中岭 石桥 铁炉 瓦窑 柳树 桃园 杏树 樱桃 香樟 槐树 "
    "碾盘 磨子 土门 关口 垭口 平桥 双龙 九龙 七里 三元 四合 八角 十字 新店 老鹰 鸡公 燕子 喜鹊 白鹤 "
    "青山 绿水 金竹 银杏 玉泉 龙凤 麒麟 狮子 雷鸣 云台 天星 月亮 太阳 红岩 黑水 黄坪 紫荆 兰草 "
    "回龙 伏龙 卧龙 望江 临江 沿河 塘坝 冷水 温泉 井坝 坪上 岩湾 槽坝 沟口"
).split()

# ---------------------------------------------------------------------------- names
SURNAMES = [
    ("王", 60), ("李", 55), ("张", 45), ("刘", 40), ("陈", 38), ("杨", 34), ("赵", 22), ("何", 22),
    ("罗", 20), ("苟", 18), ("母", 10), ("贾", 12), ("蒲", 12), ("向", 10), ("唐", 14), ("邓", 14),
    ("冯", 12), ("谢", 12), ("黄", 18), ("吴", 16), ("周", 18), ("徐", 12), ("孙", 10), ("胡", 14),
    ("朱", 10), ("马", 10), ("郭", 10), ("梁", 8), ("宋", 8), ("郑", 10), ("任", 10), ("袁", 10),
    ("蒋", 8), ("杜", 10), ("蔡", 6), ("彭", 10), ("曾", 8), ("肖", 8), ("田", 8), ("董", 6),
    ("潘", 5), ("余", 8), ("侯", 6), ("姚", 6), ("敬", 6), ("昝", 4), ("雍", 4), ("岳", 6),
    ("伏", 4), ("文", 6), ("鲜", 4), ("衡", 3), ("尹", 5), ("付", 8), ("左", 4), ("龚", 5),
]
MALE_OLD = list("建国德华志明军文平忠勇林刚福成永胜光学元发树云中全福贵富昌兴荣正家天松")
MALE_YOUNG = list("强伟涛波亮辉杰鹏浩宇俊磊超斌军勇飞鑫洋帅凯龙峰林豪东明阳")
FEMALE_OLD = list("秀英桂兰玉梅芳华琼群珍翠凤莲淑素春菊琴兰英蓉碧清")
FEMALE_YOUNG = list("丽霞燕红娟敏婷静雪艳萍慧玲莉欣佳倩娜颖晓梦")

# ---------------------------------------------------------------------------- organisations
FIRM_WORDS = ("恒达 鑫源 华盛 宏发 兴旺 金穗 绿源 青山 米仓 嘉陵 白龙 剑门 蜀北 翠云 利民 众鑫 聚源 "
              "永兴 盛华 润泽 瑞丰 益民 康源 福源 华鑫 锦程 天元 川北 秦巴 蜀道 昭化 亭子 鼎盛 宏远 "
              "新越 金凤 佳禾 丰泽 嘉禾 长青 森茂 汇通 顺达 明珠 三江 龙腾 千佛 曙光 开元").split()
INDUSTRIES = ("纺织 食品 电子 建材 茶业 农业科技 竹编工艺 服装 制鞋 家具 生态农业 中药材 食用菌 "
              "猕猴桃产业 核桃产业 物流 包装 机械制造 生猪养殖 酒业 旅游开发 电子商务").split()
COOP_PRODUCTS = "猕猴桃 茶叶 核桃 黑木耳 香菇 土鸡 生猪 中药材 蔬菜 蜂蜜 山羊 油橄榄 雪梨 花椒".split()
SHOP_KINDS = "农家乐 土特产店 粮油店 建材店 面馆 汽修店".split()
DESTINATIONS = ("宁波市 杭州市 昆山市 深圳市 东莞市 苏州市 成都市").split()
DEST_INDUSTRIES = "电子 精密机械 服装 塑胶制品 汽车零部件 家电 物流 光电科技 五金制品".split()
POST_NAMES = ("村道路保洁员 农村环境卫生保洁员 护林员 河道巡查员 村级公益设施管护员 乡村公路养护员 "
              "水利设施管护员 治安巡逻员 农家书屋管理员 村便民服务代办员").split()

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


# ============================================================================ helpers


def split(total: int, weights: Sequence[float], minimum: int = 0) -> List[int]:
    """Largest-remainder split of total in proportion to weights (exact when the weights add up
    to total), then raised to `minimum` each where possible, taken from the largest parts."""
    n = len(weights)
    if n == 0:
        return []
    wsum = float(sum(weights)) or 1.0
    raw = [total * w / wsum for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(n), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    if total >= minimum * n:
        for i in range(n):
            while parts[i] < minimum:
                j = max(range(n), key=lambda k: (parts[k], -k))
                parts[j] -= 1
                parts[i] += 1
    return parts


def scaled(n: int, scale: float, minimum: int = 0) -> int:
    return max(minimum, int(round(n * scale)))


def months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return dt.date(year, month, min(day.day, last[month - 1]))


def day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def weighted(rng: random.Random, table: Sequence[Tuple[object, float]]):
    return rng.choices([k for k, _ in table], weights=[w for _, w in table], k=1)[0]


def tri_age(rng: random.Random, low: int, high: int, mode: int) -> int:
    return int(round(rng.triangular(low, high, mode)))


def id_check(body17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(body17, ID_WEIGHTS))
    return "10X98765432"[total % 11]


def uscc(rng: random.Random, prefix: str, area: str) -> str:
    """A well-formed unified social credit code (GB 32100-2015 check digits), invented."""
    org = "MA6" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in org]
    c9 = 11 - sum(v * w for v, w in zip(values, ORG_WEIGHTS)) % 11
    org += "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
    body = prefix + area + org
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - total % 31) % 31]


# ============================================================================ the city


class Person:
    __slots__ = ("idx", "county", "code", "township", "village", "household", "status", "gender", "age",
                 "surname", "name", "birth", "id_full", "id_masked", "special", "intention", "training",
                 "business_intention", "organising", "ent_training", "graduate", "returnee", "business",
                 "trained", "missing", "used")

    def __init__(self, idx: int, county: str, code: str, township: str, village: "Village") -> None:
        self.idx = idx
        self.county = county
        self.code = code
        self.township = township
        self.village = village
        self.household: Optional[Household] = None
        self.status = ""
        self.missing: Optional[str] = None
        self.trained = False
        self.business: Optional[dict] = None
        self.used = False  # already on some claim (hire, placement, loan)


class Household:
    __slots__ = ("hid", "members", "surname")

    def __init__(self, hid: str) -> None:
        self.hid = hid
        self.members: List[Person] = []
        self.surname = ""


class Village:
    __slots__ = ("vid", "county", "code", "township", "name", "people", "households", "demo", "posts")

    def __init__(self, vid: str, county: str, code: str, township: str, name: str, demo: bool) -> None:
        self.vid = vid
        self.county = county
        self.code = code
        self.township = township
        self.name = name
        self.demo = demo
        self.people: List[Person] = []
        self.households: List[Household] = []
        self.posts: List[dict] = []


class City:
    def __init__(self, seed: int, scale: float) -> None:
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        self.villages: List[Village] = []
        self.people: List[Person] = []
        self.used_ids: set = set()
        self.used_names: set = set()
        self.targets: Dict[str, int] = {}
        self.notes: List[str] = []

    # ------------------------------------------------------------------ geography and people
    def build_geography(self) -> None:
        rng = self.rng
        s = self.scale
        n = scaled(LETTER["labourers"], s, 7 * 12)
        v_total = scaled(LETTER["villages"], s, 7)
        per_county_v = split(v_total, [c[3] for c in COUNTIES], minimum=1)
        per_county_n = split(n, [c[2] for c in COUNTIES], minimum=1)
        self.targets["labourers"] = n
        self.targets["villages"] = v_total
        number = 0
        for (county, code, _, _, _, townships), nv, nl in zip(COUNTIES, per_county_v, per_county_n):
            words = list(VILLAGE_WORDS)
            rng.shuffle(words)
            demo_here = [(t, v) for c, t, v in DEMO_VILLAGES if c == county][:nv]
            for _, v in demo_here:
                words.remove(v[:-1])
            weights = [rng.uniform(0.5, 1.5) for _ in townships]
            # townships of the demonstration villages always have poor villages
            counts = split(nv - len(demo_here), weights)
            plan: List[Tuple[str, str, bool]] = [(t, v, True) for t, v in demo_here]
            for township, k in zip(townships, counts):
                for _ in range(k):
                    plan.append((township, words.pop() + "村", False))
            plan.sort(key=lambda p: (townships.index(p[0]), p[1]))
            sizes = split(nl, [rng.uniform(0.6, 1.4) for _ in plan], minimum=1)
            for (township, name, demo), size in zip(plan, sizes):
                number += 1
                village = Village(f"GY{YEAR}-V{number:03d}", county, code, township, name, demo)
                self.villages.append(village)
                hh_no = 0
                left = size
                while left > 0:
                    k = min(left, weighted(rng, ((1, 38), (2, 42), (3, 15), (4, 5))))
                    hh_no += 1
                    hh = Household(f"{code}{townships.index(township) + 1:03d}{len(self.villages):03d}-{hh_no:04d}")
                    for _ in range(k):
                        person = Person(len(self.people), county, code, township, village)
                        person.household = hh
                        hh.members.append(person)
                        village.people.append(person)
                        self.people.append(person)
                    village.households.append(hh)
                    left -= k

    def assign_statuses(self) -> None:
        rng = self.rng
        s = self.scale
        n = len(self.people)
        # in proportion to the labourers actually made (exact at scale 1.0, where n = 45,600)
        employed = min(n, int(round(LETTER["employed"] * n / LETTER["labourers"])))
        pwp = min(employed, max(1, int(round(LETTER["public_welfare_posts"] * n / LETTER["labourers"]))))
        e_split = split(employed - pwp, list(EMPLOYED_SPLIT.values()))
        u_split = split(n - employed, list(NOT_EMPLOYED_SPLIT.values()))
        statuses = ["public_welfare_post"] * pwp
        for status, k in zip(list(EMPLOYED_SPLIT) + list(NOT_EMPLOYED_SPLIT), e_split + u_split):
            statuses += [status] * k
        rng.shuffle(statuses)
        for person, status in zip(self.people, statuses):
            person.status = status
        self.targets["employed"] = employed
        self.targets["public_welfare_posts"] = pwp
        self._fix_demo_villages()

    def _fix_demo_villages(self) -> None:
        """Swap statuses with people of other villages (totals unchanged) so that the
        demonstration villages meet what their acceptance needs: 5 or more public-welfare
        posts, no zero-employment household, employment rate 95% or more."""
        rng = self.rng
        outside = [p for p in self.people if not p.village.demo]
        rng.shuffle(outside)

        def take(status_ok) -> Optional[Person]:
            for i, p in enumerate(outside):
                if status_ok(p.status):
                    return outside.pop(i)
            return None

        for village in (v for v in self.villages if v.demo):
            need = 5 - sum(p.status == "public_welfare_post" for p in village.people)
            candidates = [p for p in village.people if p.status in ("local_employed", "farming", "unemployed")]
            for person in candidates[:max(0, need)]:
                other = take(lambda st: st == "public_welfare_post")
                if other is None:
                    break
                person.status, other.status = other.status, person.status
            for hh in village.households:
                if not any(p.status in EMPLOYED_STATUSES for p in hh.members):
                    other = take(lambda st: st in ("transferred_out", "local_employed"))
                    if other is not None:
                        hh.members[0].status, other.status = other.status, hh.members[0].status
            idle = [p for p in village.people if p.status not in EMPLOYED_STATUSES]
            while idle and sum(p.status in EMPLOYED_STATUSES for p in village.people) < 0.95 * len(village.people):
                other = take(lambda st: st in ("transferred_out", "local_employed"))
                if other is None:
                    break
                person = idle.pop()
                person.status, other.status = other.status, person.status

    def describe_people(self) -> None:
        rng = self.rng
        for village in self.villages:
            for hh in village.households:
                hh.surname = weighted(rng, SURNAMES)
                for position, person in enumerate(hh.members):
                    self._describe(person, hh, position)
        # exactly this many public-welfare post holders are recorded without special
        # difficulty finding work (an audit finding: the post subsidy then fails for them)
        holders = [p for p in self.people if p.status == "public_welfare_post" and not p.village.demo]
        k = min(len(holders), scaled(12, self.scale, 1))
        for person in rng.sample(holders, k):
            person.special = False
        for person in self.people:
            if person.status == "public_welfare_post" and person.special is None:
                person.special = True

    def _describe(self, p: Person, hh: Household, position: int) -> None:
        rng = self.rng
        st = p.status
        male_share = {"transferred_out": 0.60, "local_employed": 0.52, "self_employed": 0.66,
                      "public_welfare_post": 0.50, "farming": 0.42, "unemployed": 0.45}[st]
        p.gender = "male" if rng.random() < male_share else "female"
        p.age = {
            "transferred_out": lambda: tri_age(rng, 17, 56, 33),
            "local_employed": lambda: tri_age(rng, 19, 60, 42),
            "self_employed": lambda: tri_age(rng, 23, 58, 40),
            "public_welfare_post": lambda: tri_age(rng, 35, 64, 54),
            "farming": lambda: tri_age(rng, 30, 64, 55),
            "unemployed": lambda: tri_age(rng, 16, 64, 45),
        }[st]()
        # the head and the children carry the household's surname; a wife of about the
        # head's age, married in, has her own
        if position == 0 or p.gender == "male" or rng.random() < 0.55:
            p.surname = hh.surname
        else:
            p.surname = weighted(rng, SURNAMES)
        born_before_1975 = p.age >= 42
        pool = (MALE_OLD if born_before_1975 else MALE_YOUNG) if p.gender == "male" else \
            (FEMALE_OLD if born_before_1975 else FEMALE_YOUNG)
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.82 else "")
        p.name = p.surname + given
        # birth date consistent with the age on 2017-07-31
        day = dt.date(2001, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        year = YEAR - p.age - (1 if (day.month, day.day) > (AS_OF.month, AS_OF.day) else 0)
        p.birth = dt.date(year, day.month, day.day)
        while True:
            seq = rng.randint(0, 499) * 2 + (1 if p.gender == "male" else 0)
            body = f"{p.code}{p.birth:%Y%m%d}{seq:03d}"
            if body not in self.used_ids:
                self.used_ids.add(body)
                break
        p.id_full = body + id_check(body)
        p.id_masked = p.id_full[:6] + "*" * 8 + p.id_full[14:]
        p.special = {"unemployed": 0.40, "farming": 0.20}.get(st, 0.02) > rng.random() if st != "public_welfare_post" else None
        p.intention = weighted(rng, {
            "transferred_out": (("transfer_out", 90), ("local_employment", 7), ("none", 3)),
            "local_employed": (("local_employment", 85), ("transfer_out", 10), ("self_employment", 3), ("none", 2)),
            "self_employed": (("self_employment", 88), ("local_employment", 10), ("none", 2)),
            "public_welfare_post": (("local_employment", 60), ("none", 40)),
            "farming": (("farming", 60), ("transfer_out", 25), ("local_employment", 15)),
            "unemployed": (("transfer_out", 50), ("local_employment", 40), ("none", 10)),
        }[st])
        p.training = weighted(rng, {
            "transferred_out": (("none", 74), ("vocational_skills", 26)),
            "local_employed": (("none", 68), ("vocational_skills", 22), ("practical_technology", 10)),
            "self_employed": (("none", 50), ("entrepreneurship", 32), ("practical_technology", 18)),
            "public_welfare_post": (("none", 90), ("practical_technology", 10)),
            "farming": (("none", 45), ("practical_technology", 55)),
            "unemployed": (("none", 25), ("vocational_skills", 55), ("practical_technology", 20)),
        }[st])
        p.returnee = rng.random() < {"transferred_out": 0.0, "local_employed": 0.25, "self_employed": 0.50,
                                     "public_welfare_post": 0.10, "farming": 0.30, "unemployed": 0.30}[st]
        p.graduate = p.age <= 35 and rng.random() < (0.12 if st == "self_employed" else 0.03)
        if st == "self_employed":
            p.business_intention = rng.random() < 0.92
            p.organising = rng.random() < 0.08
            p.ent_training = rng.random() < 0.25
        else:
            p.business_intention = rng.random() < (0.10 if st == "unemployed" else 0.04)
            p.organising = st == "local_employed" and rng.random() < 0.01
            p.ent_training = p.business_intention and rng.random() < 0.20
        if st == "self_employed":
            in_poor_village = rng.random() < 0.78
            p.business = {"business_name": self._business_name(p), "business_in_poor_village": in_poor_village}
            if (p.returnee or p.graduate) and in_poor_village:
                p.business["startup_subsidy_applied"] = weighted(rng, (
                    (5_000, 10), (10_000, 25), (20_000, 25), (30_000, 15), (50_000, 12), (80_000, 6),
                    (100_000, 4), (120_000, 2), (150_000, 1)))
        elif p.returnee or p.graduate:
            p.business = {"business_in_poor_village": False}

    def _business_name(self, p: Person) -> str:
        rng = self.rng
        kind = rng.choice(("养殖场", "种植园", "农家乐", "小卖部", "农机服务部", "竹编作坊", "电商网店", "餐馆"))
        if kind in ("养殖场", "种植园"):
            kind = rng.choice(COOP_PRODUCTS) + kind
        return f"{p.village.name}{p.surname}记{kind}"

    def mark_incomplete(self) -> None:
        """A small share of records lacks one of the five 清 items (never the employment status,
        so the employed count can be checked on the file)."""
        rng = self.rng
        pool = [p for p in self.people if not p.village.demo]
        k = min(len(pool), scaled(365, self.scale, 2))
        items = (("id_number", 22), ("age", 10), ("gender", 6), ("employment_intention", 24),
                 ("training_need", 22), ("business_intention", 16))
        for person in rng.sample(pool, k):
            person.missing = weighted(rng, items)
        self.targets["incomplete"] = k

    def mark_trained(self) -> None:
        """Who of those needing training was trained (3,841 in the letter): the village
        aggregate `trained` counts them; everyone of a demonstration village was trained."""
        rng = self.rng
        total = scaled(LETTER["trained"], self.scale)
        needing = [p for p in self.people if p.training != "none" and p.missing != "training_need"]
        demo = [p for p in needing if p.village.demo]
        for p in demo:
            p.trained = True
        rest = [p for p in needing if not p.village.demo]
        for p in rng.sample(rest, max(0, min(len(rest), total - len(demo)))):
            p.trained = True
        # demonstration villages: 85% or more of those wanting transfer were transferred;
        # those not yet transferred who work locally now want to stay local
        for village in (v for v in self.villages if v.demo):
            wanting = [p for p in village.people if p.intention == "transfer_out"]
            placed = [p for p in wanting if p.status == "transferred_out"]
            for p in wanting:
                if len(placed) >= 0.85 * len(wanting):
                    break
                if p.status != "transferred_out":
                    p.intention = "local_employment"
                    wanting = [q for q in wanting if q is not p]

    # ------------------------------------------------------------------ records
    def labourer_record(self, p: Person) -> dict:
        lab = {
            "name": p.name,
            "id_number": p.id_masked,
            "gender": p.gender,
            "age": p.age,
            "county_name": p.county,
            "township_name": p.township,
            "village_name": p.village.name,
            "rural_registered_poor": True,
            "poor_household": True,
            "able_to_work": True,
            "special_employment_difficulty": p.special,
            "employment_status": p.status,
            "employment_intention": p.intention,
            "training_need": p.training,
            "business_intention": p.business_intention,
            "organising_business": p.organising,
            "entrepreneurship_training_attended": p.ent_training,
            "college_graduate": p.graduate,
            "returnee": p.returnee,
        }
        if p.business:
            lab.update(p.business)
        if p.missing:
            del lab[p.missing]
        head = p.household.members[0]
        return {"id": f"GY{YEAR}-L{p.idx + 1:06d}", "as_of": AS_OF.isoformat(), "jurisdiction": p.county,
                "labourer": lab, "household": {"household_id": p.household.hid, "head_name": head.name}}

    @staticmethod
    def worker(p: Person) -> dict:
        return {"name": p.name, "id_number": p.id_masked, "poor_household": True, "rural_registered_poor": True}

    def outsider(self, county_code: str) -> dict:
        """A worker who is not in the poor-labourer database (not from a poor household)."""
        rng = self.rng
        gender = rng.choice(("male", "female"))
        pool = MALE_YOUNG if gender == "male" else FEMALE_YOUNG
        name = weighted(rng, SURNAMES) + rng.choice(pool) + rng.choice(pool)
        return {"name": name, "id_number": county_code + "*" * 8 + f"{rng.randint(0, 999):03d}{rng.choice('0123456789X')}",
                "poor_household": False, "rural_registered_poor": False}

    def _unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not invent a unique name")

    # ------------------------------------------------------------------ employers
    def employers(self) -> List[dict]:
        rng = self.rng
        s = self.scale
        pools: Dict[str, List[Person]] = {}
        for p in self.people:
            if p.status == "local_employed":
                pools.setdefault(p.county, []).append(p)
        for pool in pools.values():
            rng.shuffle(pool)
        everyone = [p for pool in pools.values() for p in pool]

        def draw(county: str) -> Optional[Person]:
            pool = pools.get(county, [])
            while pool:
                p = pool.pop()
                if not p.used:
                    p.used = True
                    return p
            for p in everyone:  # any county: some commute
                if not p.used:
                    p.used = True
                    return p
            return None

        county_weights = [c[2] for c in COUNTIES]
        codes = {c[0]: c[1] for c in COUNTIES}
        # (how many, level, kind, qualifying new hires, role)
        n_bases = scaled(LETTER["employment_bases"], s, 4)
        levels = split(n_bases, [10, 28, 34, 22])
        plan: List[dict] = []
        for level, count in zip(("city", "county", "township", "village"), levels):
            coops = {"city": 0, "county": 0, "township": round(count * 6 / 34), "village": round(count * 10 / 22)}[level]
            for i in range(count):
                kind = "farmer_cooperative" if i < coops else "enterprise"
                plan.append({"level": level, "kind": kind, "role": "base"})
        n_other = scaled(260, s, 3)
        for i in range(n_other):
            plan.append({"level": None, "kind": "enterprise", "role": "other"})
        for e in rng.sample([e for e in plan if e["role"] == "other"], min(n_other, scaled(4, s, 1))):
            e["role"] = "new-base"  # 10 or more new hires, not (yet) designated a base
        for i in range(scaled(40, s, 1)):
            plan.append({"level": None, "kind": rng.choice(("farmer_cooperative", "individual_business")), "role": "small"})
        enterprises = [e for e in plan if e["kind"] == "enterprise"]
        for e in rng.sample(enterprises, max(1, round(len(enterprises) * 0.15))):
            e["returnee"] = True
        rng.shuffle(plan)
        plan.sort(key=lambda e: ({"city": 0, "county": 1, "township": 2, "village": 3, None: 4}[e["level"]]))

        window_first, window_last = dt.date(2016, 8, 1), dt.date(2017, 7, 28)  # when most hires were made
        records = []
        self.employer_stats = Counter()
        for number, e in enumerate(plan, start=1):
            county = "利州区" if e["level"] == "city" else weighted(rng, list(zip([c[0] for c in COUNTIES], county_weights)))
            code = codes[county]
            townships = next(c[5] for c in COUNTIES if c[0] == county)
            if e["kind"] == "enterprise":
                prefix = "广元经济技术开发区" if e["level"] == "city" else rng.choice(("广元市", county))
                name = self._unique(lambda: f"{prefix}{rng.choice(FIRM_WORDS)}{rng.choice(INDUSTRIES)}有限公司")
                credit = uscc(rng, "91", code)
            elif e["kind"] == "farmer_cooperative":
                name = self._unique(lambda: f"{county}{rng.choice(townships)}{rng.choice(FIRM_WORDS)}{rng.choice(COOP_PRODUCTS)}专业合作社")
                credit = uscc(rng, "93", code)
            else:
                name = self._unique(lambda: f"{county}{rng.choice(townships)}{weighted(rng, SURNAMES)}记{rng.choice(SHOP_KINDS)}")
                credit = uscc(rng, "92", code)
            role = e["role"]
            if role == "base":
                qualifying = rng.choice((10, 10, 11, 12)) if rng.random() < 0.2 else tri_age(rng, 10, 60, 18)
            elif role == "new-base":
                qualifying = rng.randint(10, 16)
            elif role == "small":
                qualifying = rng.randint(1, 4)
            else:
                qualifying = tri_age(rng, 1, 9, 3)
            trains = rng.random() < 0.5
            hires = []

            def add(worker: dict, hired_on: dt.date, months: int, insured: bool) -> None:
                # the longest contracts are open-ended (无固定期限): no number of months is given
                hire = {"worker": worker, "hired_on": hired_on.isoformat(), "open_ended_contract": months == 60}
                if months != 60:
                    hire["contract_months"] = months
                hire["social_insurance"] = insured
                if e["kind"] == "enterprise":
                    hire["pre_job_training"] = trains and rng.random() < 0.85
                hires.append(hire)

            for _ in range(qualifying):
                p = draw(county)
                if p is None:
                    break
                add(self.worker(p), day_between(rng, window_first, window_last), rng.choice((12, 12, 24, 36, 36, 60)), True)
            # hires that do not earn the hiring award: short contract, no social insurance, not poor
            # (earlier hires, from the first half of 2016, earn it; the employment base counts every
            # poor-household hire listed, whatever the contract or insurance)
            extra = rng.randint(0, 3)
            for j in range(extra):
                reason = rng.choice(("short", "uninsured", "old", "outsider"))
                p = None if reason == "outsider" else draw(county)
                worker = self.outsider(code) if p is None else self.worker(p)
                if reason == "short":
                    add(worker, day_between(rng, window_first, window_last), rng.choice((6, 11)), True)
                elif reason == "uninsured":
                    add(worker, day_between(rng, window_first, window_last), 12, False)
                elif reason == "old":
                    day = dt.date(2016, 7, 31) if rng.random() < 0.1 else day_between(rng, dt.date(2016, 1, 4), dt.date(2016, 7, 31))
                    add(worker, day, rng.choice((12, 24, 36)), True)
                else:
                    add(worker, day_between(rng, window_first, window_last), 12, True)
            hires.sort(key=lambda h: (h["hired_on"], h["worker"]["name"]))
            employer = {"name": name, "credit_code": credit, "county_name": county, "kind": e["kind"]}
            if e["kind"] == "enterprise":
                employer["founded_by_returnee"] = bool(e.get("returnee"))
            if e["level"]:
                employer["base_level"] = e["level"]
            employer["hires"] = hires
            records.append({"id": f"GY{YEAR}-E{number:04d}", "as_of": AS_OF.isoformat(), "jurisdiction": county,
                            "employer": employer})
            self.employer_stats["employers"] += 1
            self.employer_stats["hires"] += len(hires)
            self.employer_stats["bases (base_level given)"] += bool(e["level"])
            self.employer_stats[f"role:{role}"] += 1
        return records

    # ------------------------------------------------------------------ job agencies
    def agencies(self) -> List[dict]:
        rng = self.rng
        pools: Dict[str, List[Person]] = {}
        for p in self.people:
            if p.status == "transferred_out" and not p.used:
                pools.setdefault(p.county, []).append(p)
        destinations = []
        for _ in range(30):
            city = rng.choice(DESTINATIONS)
            destinations.append(self._unique(lambda: f"{city}{rng.choice(FIRM_WORDS)}{rng.choice(DEST_INDUSTRIES)}有限公司"))
        records = []
        self.agency_stats = Counter()
        per_county = split(scaled(42, self.scale, 7), [1] * 7, minimum=1)
        number = 0
        for (county, code, *_), count in zip(COUNTIES, per_county):
            pool = pools.get(county, [])
            rng.shuffle(pool)
            for _ in range(count):
                number += 1
                name = self._unique(lambda: f"广元市{county}{rng.choice(FIRM_WORDS)}{rng.choice(('人力资源服务', '劳务开发', '职业介绍'))}有限公司")
                placements = []
                for _ in range(rng.randint(20, 120)):
                    if not pool:
                        break
                    p = pool.pop()
                    p.used = True
                    placed = day_between(rng, dt.date(2016, 8, 1), dt.date(2017, 7, 20))
                    months = months_between(placed, AS_OF)
                    if rng.random() < 0.18:
                        months = rng.randint(0, months)  # left the job early
                    placements.append({
                        "worker": {"name": p.name, "id_number": p.id_masked, "rural_registered_poor": True},
                        "employer_name": rng.choice(destinations),
                        "placed_on": placed.isoformat(),
                        "free_of_charge": rng.random() < 0.95,
                        "contract_signed": rng.random() < 0.93,
                        "months_employed": months,
                    })
                placements.sort(key=lambda x: (x["placed_on"], x["worker"]["name"]))
                agency = {"name": name, "county_name": county, "labour_export": rng.random() < 0.9, "placements": placements}
                records.append({"id": f"GY{YEAR}-A{number:03d}", "as_of": AS_OF.isoformat(), "jurisdiction": county,
                                "job_agency": agency})
                self.agency_stats["agencies"] += 1
                self.agency_stats["placements"] += len(placements)
        return records

    # ------------------------------------------------------------------ loans
    def loans(self) -> List[dict]:
        rng = self.rng
        borrowers = [p for p in self.people if (p.status == "self_employed" or p.organising) and p.missing is None]
        k = min(len(borrowers), scaled(630, self.scale, 3))
        chosen = sorted(rng.sample(borrowers, k), key=lambda p: p.idx)
        # a few second loans in the same household: another member borrows too
        by_household: Dict[str, List[Person]] = {}
        for p in chosen:
            by_household.setdefault(p.household.hid, []).append(p)
        records = []
        self.loan_stats = Counter()
        household_used: Dict[str, int] = {}
        number = 0

        def lender(county: str) -> str:
            return rng.choice((f"{county}农村信用合作联社", f"中国邮政储蓄银行广元市{county}支行",
                               f"中国农业银行广元{county}支行"))

        def loan(borrower: dict, household: dict, county: str, principal: int, guaranteed: bool) -> dict:
            nonlocal number
            number += 1
            term = weighted(rng, ((12, 20), (24, 25), (36, 40), (60, 15)))
            rate = {12: "0.0435", 24: "0.0475", 36: "0.0475", 60: "0.0475"}[term]
            if rng.random() < 0.3:
                rate = {"0.0435": "0.0479", "0.0475": "0.0523"}[rate]  # 10% above the benchmark
            record = {
                "borrower": borrower, "borrower_household": household, "lender": lender(county),
                "principal": principal, "annual_interest_rate": float(rate),
                "start_date": day_between(rng, dt.date(2016, 6, 1), dt.date(2017, 7, 20)).isoformat(),
                "term_months": term, "years_already_subsidised": 0, "credit_guaranteed": guaranteed,
                "counter_guarantee": weighted(rng, (("three_rights_mortgage", 40), ("cooperative_mutual_guarantee", 35),
                                                    ("other", 10), ("none", 15))),
            }
            self.loan_stats["loans"] += 1
            self.loan_stats["principal above 200,000"] += principal > 200_000
            self.loan_stats["not credit-guaranteed"] += not guaranteed
            return {"id": f"GY{YEAR}-D{number:04d}", "as_of": AS_OF.isoformat(), "jurisdiction": county, "loan": record}

        for p in chosen:
            hid = p.household.hid
            principal = weighted(rng, ((30_000, 15), (50_000, 25), (80_000, 15), (100_000, 20), (150_000, 10),
                                       (200_000, 7), (250_000, 4), (300_000, 4)))
            other = household_used.get(hid, 0)
            borrower = {"name": p.name, "id_number": p.id_masked, "county_name": p.county,
                        "rural_registered_poor": True, "employment_status": p.status, "organising_business": p.organising}
            household = {"household_id": hid, "head_name": p.household.members[0].name,
                         "lost_land_use_rights": rng.random() < 0.03, "other_subsidised_loan_principal": other}
            guaranteed = rng.random() < 0.95
            records.append(loan(borrower, household, p.county, principal, guaranteed))
            if guaranteed:
                household_used[hid] = min(200_000, other + principal)
            self.loan_stats["second loan in a household"] += other > 0
        # households that lost their land-use rights to a project; the borrower is not
        # registered poor (so not in labourers.jsonl)
        for i in range(scaled(20, self.scale, 1)):
            county, code = COUNTIES[i % 7][0], COUNTIES[i % 7][1]
            who = self.outsider(code)
            borrower = {"name": who["name"], "id_number": who["id_number"], "county_name": county,
                        "rural_registered_poor": False, "employment_status": "self_employed", "organising_business": i % 4 == 0}
            household = {"household_id": f"{code}-失地-{i + 1:03d}", "head_name": who["name"],
                         "lost_land_use_rights": i % 5 != 0, "other_subsidised_loan_principal": 0}
            records.append(loan(borrower, household, county, rng.choice((50_000, 100_000, 150_000)), True))
        return records

    # ------------------------------------------------------------------ public-welfare posts
    def posts(self) -> List[dict]:
        rng = self.rng
        records = []
        holders = [p for p in self.people if p.status == "public_welfare_post"]
        for number, p in enumerate(holders, start=1):
            started = day_between(rng, dt.date(2017, 1, 3), dt.date(2017, 7, 17))
            if p.village.demo:
                started = day_between(rng, dt.date(2017, 1, 3), dt.date(2017, 4, 28))
            whole = months_between(started, AS_OF)
            if whole > 0 and rng.random() < 0.05:
                months = whole - 1  # a month off the post: whole months only
            else:
                # the part of a month since the last whole one, in days of that month (part months count)
                since = add_months(started, whole)
                months = round(whole + (AS_OF - since).days / (add_months(since, 1) - since).days, 2)
            post = {
                "name": rng.choice(POST_NAMES),
                "county_name": p.county,
                "village_name": f"{p.township}{p.village.name}",
                "assignments": [{
                    "holder": {"name": p.name, "id_number": p.id_masked, "poor_household": True,
                               "special_employment_difficulty": p.special},
                    "started_on": started.isoformat(),
                    "months_worked": months,
                }],
            }
            p.village.posts.append(post)
            records.append({"id": f"GY{YEAR}-P{number:04d}", "as_of": AS_OF.isoformat(), "jurisdiction": p.county,
                            "public_welfare_post": post})
        return records

    # ------------------------------------------------------------------ villages and counties
    def village_records(self, labourer_lines: Dict[int, dict]) -> List[dict]:
        rng = self.rng
        records = []
        self.demo_passing: List[str] = []
        for village in self.villages:
            labs = [labourer_lines[p.idx]["labourer"] for p in village.people]
            complete = sum(1 for p in village.people if p.missing is None)
            employed = sum(1 for p in village.people if p.status in EMPLOYED_STATUSES)
            zero = sum(1 for hh in village.households if not any(m.status in EMPLOYED_STATUSES for m in hh.members))
            wanting = [lab for lab in labs if lab.get("employment_intention") == "transfer_out"]
            transferred = sum(1 for lab in wanting if lab["employment_status"] == "transferred_out")
            needing = [p for p in village.people if p.training != "none" and p.missing != "training_need"]
            trained = sum(1 for p in needing if p.trained)
            posts = len(village.posts)
            hard = sum(1 for post in village.posts if post["assignments"][0]["holder"]["special_employment_difficulty"])
            demo = village.demo
            if demo:
                assessed = day_between(rng, dt.date(2017, 6, 19), dt.date(2017, 6, 30))
            else:
                assessed = day_between(rng, dt.date(2017, 7, 3), dt.date(2017, 7, 28))
            period_start = dt.date(2017, 1, 1)
            due = months_between(period_start, assessed)
            households = len(village.households)
            established = demo or rng.random() < 0.9
            rec = {
                "name": village.name,
                "township_name": village.township,
                "county_name": village.county,
                "assessment_date": assessed.isoformat(),
                "assessment_period_start": period_start.isoformat(),
                "work_group_established": established,
                "work_group_leader": ("first_secretary" if demo else weighted(rng, (("first_secretary", 55), ("party_secretary", 35), ("other", 10)))) if established else "none",
            }
            for key in ("station_organisation", "station_premises", "station_staff", "station_funding", "station_rules", "station_work"):
                rec[key] = demo or rng.random() < 0.88
            rec.update({
                "labour_security_coordinators": rng.choice((1, 2)) if demo else weighted(rng, ((0, 15), (1, 70), (2, 15))),
                "five_lists_established": True,
                "five_lists_updated_on": (day_between(rng, dt.date(2017, 5, 2), dt.date(2017, 6, 15)) if demo
                                          else day_between(rng, dt.date(2017, 3, 20), assessed)).isoformat(),
                "poor_labourers": len(village.people),
                "poor_labourer_records_complete": complete,
                "poor_households_with_labour": households,
                "households_with_assistance_plan": households if demo else households - rng.randint(0, max(1, households // 8)),
                "zero_employment_poor_households": zero,
                "poor_labourers_able": len(village.people),
                "poor_labourers_employed": employed,
                "wanting_transfer": len(wanting),
                "transferred": transferred,
                "needing_training": len(needing),
                "trained": trained,
                "linked_bases_or_workshops": rng.randint(1, 3) if demo else weighted(rng, ((0, 45), (1, 40), (2, 15))),
                "public_welfare_posts": posts,
                "posts_held_by_hard_to_employ": hard,
                "startups_employing_poor": rng.randint(1, 2) if demo else weighted(rng, ((0, 80), (1, 17), (2, 3))),
                "unresolved_wage_arrears": 0 if demo else weighted(rng, ((0, 90), (1, 8), (2, 2))),
                "rights_cards_distributed": demo or rng.random() < 0.85,
                "assistance_ledger": demo or rng.random() < 0.8,
                "training_ledger": demo or rng.random() < 0.7,
                "placement_ledger": demo or rng.random() < 0.8,
                "monthly_reports_sent": due if demo else max(0, due - weighted(rng, ((0, 60), (1, 25), (2, 15)))),
            })
            passed, score = demo_score(rec)
            if not demo:
                # a village not (yet) built as a demonstration village must not pass by chance
                for key, value in (("station_work", False), ("training_ledger", False), ("linked_bases_or_workshops", 0),
                                   ("startups_employing_poor", 0)):
                    if not passed:
                        break
                    rec[key] = value
                    passed, score = demo_score(rec)
            elif not passed:
                self.notes.append(f"demonstration village {village.name} scores {score} and does not pass (small scale?)")
            if passed:
                self.demo_passing.append(f"{village.county}{village.township}{village.name}")
            records.append({"id": village.vid, "as_of": AS_OF.isoformat(), "jurisdiction": village.county, "village": rec})
        return records

    def county_records(self) -> List[dict]:
        records = []
        for number, (county, code, _, _, leaves, townships) in enumerate(COUNTIES, start=1):
            rows = []
            for township in townships:
                here = [v for v in self.villages if v.county == county and v.township == township]
                built = sum(1 for v in here if f"{v.county}{v.township}{v.name}" in self.demo_passing)
                rows.append({"name": township, "poor_villages": len(here), "demonstration_villages": built})
            records.append({"id": f"GY{YEAR}-C{number}", "as_of": AS_OF.isoformat(), "jurisdiction": county,
                            "county": {"name": county, "year": YEAR, "left_poverty_this_year": leaves, "townships": rows}})
        return records


def demo_score(v: dict) -> Tuple[bool, int]:
    """The drafted 15 criteria, as policy/rules/demonstration-village.yaml states them (used only
    to make sure that exactly the designated villages pass; the rule itself decides in the README)."""
    assessed = dt.date.fromisoformat(v["assessment_date"])
    updated = dt.date.fromisoformat(v["five_lists_updated_on"])
    six_back = dt.date(assessed.year - (1 if assessed.month <= 6 else 0), (assessed.month - 7) % 12 + 1, min(assessed.day, 28))
    rate = v["poor_labourers_employed"] / v["poor_labourers_able"] if v["poor_labourers_able"] else None
    met = {
        5: v["work_group_established"] and v["work_group_leader"] in ("first_secretary", "party_secretary"),
        10: all(v[k] for k in ("station_organisation", "station_premises", "station_staff", "station_funding", "station_rules", "station_work")),
    }
    score = 0
    score += 5 if met[5] else 0
    score += 10 if met[10] else 0
    score += 5 if v["labour_security_coordinators"] >= 1 else 0
    score += 5 if v["five_lists_established"] and updated >= six_back else 0
    score += 5 if v["poor_labourer_records_complete"] >= v["poor_labourers"] else 0
    score += 5 if v["households_with_assistance_plan"] >= v["poor_households_with_labour"] else 0
    veto7 = rate is not None and rate >= 0.95
    veto8 = v["zero_employment_poor_households"] == 0
    score += 15 if veto7 else 0
    score += 10 if veto8 else 0
    score += 10 if (v["wanting_transfer"] == 0 or v["transferred"] / v["wanting_transfer"] >= 0.85) else 0
    score += 5 if (v["needing_training"] == 0 or v["trained"] >= v["needing_training"]) else 0
    score += 5 if v["linked_bases_or_workshops"] >= 1 else 0
    score += 5 if v["public_welfare_posts"] >= 5 and v["posts_held_by_hard_to_employ"] >= v["public_welfare_posts"] else 0
    score += 5 if v["startups_employing_poor"] >= 1 else 0
    score += 5 if v["unresolved_wage_arrears"] == 0 and v["rights_cards_distributed"] else 0
    due = months_between(dt.date.fromisoformat(v["assessment_period_start"]), assessed)
    score += 5 if (v["assistance_ledger"] and v["training_ledger"] and v["placement_ledger"] and v["monthly_reports_sent"] >= due) else 0
    return (score >= 90 and veto7 and veto8), score


# ============================================================================ writing


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def write_lines(path: Path, records: Sequence[dict]) -> str:
    text = "".join(dumps(r) for r in records)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def corrupt_lines(labourer_records: List[dict]) -> Tuple[List[str], List[Tuple[int, str]]]:
    """24 lines: 18 clean labourer records and 6 deliberate mistakes (line number, what is wrong)."""
    clean = [dumps(r) for r in labourer_records[:18]]
    lines: List[str] = []
    problems: List[Tuple[int, str]] = []

    def bad(text: str, what: str) -> None:
        lines.append(text if text.endswith("\n") else text + "\n")
        problems.append((len(lines), what))

    def edited(i: int, change) -> str:
        record = json.loads(json.dumps(labourer_records[i]))
        change(record)
        return dumps(record)

    order = iter(clean)
    for position in range(1, 25):
        if position == 3:
            text = dumps(labourer_records[18])
            bad(text[: text.index(', "household"')], "unparsable: the line is cut off (closing braces missing)")
        elif position == 7:
            bad(edited(19, lambda r: r["labourer"].__setitem__("age", "四十二")), "wrong type: labourer.age is text")
        elif position == 11:
            bad(edited(20, lambda r: r.__setitem__("labour", r.pop("labourer"))), "unknown entity: labour (for labourer)")
        elif position == 15:
            bad(edited(21, lambda r: r["labourer"].__setitem__("employment_status", "employed")), "invalid enum value: employment_status employed")
        elif position == 19:
            bad(edited(22, lambda r: r.__setitem__("jurisdiction", "广元县")), "unknown county: jurisdiction 广元县")
        elif position == 22:
            bad(edited(23, lambda r: r.__setitem__("as_of", "2017-02-30")), "a date that does not exist: as_of 2017-02-30")
        else:
            lines.append(next(order))
    return lines, problems


def generate(out: Path, scale: float = 1.0, seed: int = 2017, quiet: bool = False) -> dict:
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    city = City(seed, scale)
    city.build_geography()
    city.assign_statuses()
    city.describe_people()
    city.mark_incomplete()
    city.mark_trained()

    labourers = [city.labourer_record(p) for p in city.people]
    by_idx = {p.idx: rec for p, rec in zip(city.people, labourers)}
    employers = city.employers()
    agencies = city.agencies()
    loans = city.loans()
    posts = city.posts()
    villages = city.village_records(by_idx)
    counties = city.county_records()
    error_lines, problems = corrupt_lines(labourers)

    hashes = {}
    for name, records in (("labourers.jsonl", labourers), ("employers.jsonl", employers), ("agencies.jsonl", agencies),
                          ("loans.jsonl", loans), ("posts.jsonl", posts), ("villages.jsonl", villages),
                          ("counties.jsonl", counties)):
        hashes[name] = (len(records), write_lines(out / name, records))
    data = "".join(error_lines).encode("utf-8")
    (out / "labourers-with-errors.jsonl").write_bytes(data)
    hashes["labourers-with-errors.jsonl"] = (len(error_lines), hashlib.sha256(data).hexdigest())

    # ------------------------------------------------------------------ the summary, counted on the records written
    statuses = Counter(r["labourer"]["employment_status"] for r in labourers)
    employed = sum(statuses[s] for s in EMPLOYED_STATUSES)
    incomplete = sum(1 for p in city.people if p.missing)
    summary = {
        "seed": seed, "scale": scale, "as_of": AS_OF.isoformat(),
        "labourers": len(labourers), "employed": employed, "public_welfare_post": statuses["public_welfare_post"],
        "posts": len(posts), "villages": len(villages), "demonstration_villages_passing": len(city.demo_passing),
        "incomplete_records": incomplete, "statuses": dict(statuses),
        "trained": sum(1 for p in city.people if p.trained),
        "employers": dict(city.employer_stats), "agencies": dict(city.agency_stats), "loans": dict(city.loan_stats),
        "files": hashes, "problems": problems, "notes": city.notes,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if not quiet:
        print_summary(summary, city, labourers)
    return summary


def print_summary(summary: dict, city: City, labourers: List[dict]) -> None:
    s = summary
    exact = s["scale"] == 1.0

    def check(label: str, value: int, letter_key: str) -> str:
        figure = LETTER[letter_key]
        mark = ("= letter" if value == figure else f"!= letter {figure:,}") if exact else f"(letter {figure:,} x {s['scale']})"
        return f"  {value:>8,}  {mark:<24}{label}"

    print(f"Synthetic Guangyuan 2017 — seed {s['seed']}, scale {s['scale']}, as_of {s['as_of']}")
    print("广元市 2017 年合成数据 / figures counted on the records written:")
    print(check("poor labourers able to work 有劳动能力的贫困劳动者", s["labourers"], "labourers"))
    print(check("of whom employed 实现就业", s["employed"], "employed"))
    print(check("placed in public-welfare posts 公益性岗位安置", s["public_welfare_post"], "public_welfare_posts"))
    print(check("public-welfare posts 公益类岗位", s["posts"], "public_welfare_posts"))
    print(check("villages leaving poverty 脱贫村", s["villages"], "villages"))
    print(check("demonstration villages 示范村 (meeting criteria)", s["demonstration_villages_passing"], "demonstration_villages"))
    print(check("trained 培训贫困劳动者", s["trained"], "trained"))
    print(check("employers with base_level 就业扶贫基地", s["employers"].get("bases (base_level given)", 0), "employment_bases"))
    print("  employment status 就业状态: " + ", ".join(f"{k} {v:,}" for k, v in sorted(s["statuses"].items())))
    print(f"  records incomplete on one 清 item 信息不全: {s['incomplete_records']:,}")
    print()
    print(f"  {'villages':>9}{'labourers':>11}{'employed':>10}{'rate':>8}{'posts':>7}{'incomplete':>11}  county 县区")
    for county, *_ in COUNTIES:
        people = [p for p in city.people if p.county == county]
        emp = sum(1 for p in people if p.status in EMPLOYED_STATUSES)
        vs = sum(1 for v in city.villages if v.county == county)
        pw = sum(1 for p in people if p.status == "public_welfare_post")
        inc = sum(1 for p in people if p.missing)
        print(f"  {vs:>9}{len(people):>11,}{emp:>10,}{emp / max(1, len(people)):>8.1%}{pw:>7,}{inc:>11,}  {county}")
    print()
    e, a, l = s["employers"], s["agencies"], s["loans"]
    print(f"  employers {e.get('employers', 0):,} with {e.get('hires', 0):,} hires; bases {e.get('role:base', 0)}; "
          f"{e.get('role:new-base', 0)} non-base enterprises with 10+ new hires")
    print(f"  job agencies {a.get('agencies', 0)} with {a.get('placements', 0):,} placements")
    print(f"  loans {l.get('loans', 0):,}; principal above 200,000: {l.get('principal above 200,000', 0)}; "
          f"second loans in a household: {l.get('second loan in a household', 0)}; not credit-guaranteed: {l.get('not credit-guaranteed', 0)}")
    print(f"  demonstration villages passing the drafted criteria: {', '.join(city.demo_passing) or 'none'}")
    for note in s["notes"]:
        print(f"  note: {note}")
    print()
    print("files 文件 (lines, sha256):")
    for name, (count, digest) in s["files"].items():
        print(f"  {name:<28}{count:>8,}  {digest[:16]}")
    print("labourers-with-errors.jsonl, the deliberate mistakes:")
    for line, what in s["problems"]:
        print(f"  line {line}: {what}")
    print(f"generated in {s['seconds']} s")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic Guangyuan city for 2017 as JSON Lines claims.")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the letter's figures (default)")
    parser.add_argument("--seed", type=int, default=2017, help="random seed (default 2017)")
    parser.add_argument("--quiet", action="store_true", help="no summary")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    try:
        generate(Path(args.out), args.scale, args.seed, args.quiet)
    except BrokenPipeError:  # the summary piped into head: the files are written all the same
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
