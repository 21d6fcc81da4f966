"""Hypothesis claims for any rule of a policy, built from its fact schema: facts absent, null, or at
the boundaries the bundled parameters use (so comparisons fall on both sides and on the edge)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

AS_OF = dt.date(2017, 7, 31)
INTEGERS = (0, 1, 2, 5, 6, 9, 10, 11, 12, 13, 24, 36, 37, 48)
MONEY = (Decimal("0"), Decimal("1000"), Decimal("150000"), Decimal("199999.99"), Decimal("200000"), Decimal("250000.5"))
DECIMALS = (Decimal("0.0475"), Decimal("0.05"), Decimal("0"), Decimal("1.5"))
DATES = (dt.date(2016, 7, 31), dt.date(2016, 8, 1), dt.date(2016, 7, 30), dt.date(2017, 7, 31), dt.date(2017, 8, 1),
         dt.date(2017, 1, 1), dt.date(2016, 2, 29), dt.date(2015, 6, 1))
TEXTS = ("张三", "it's", "a;b -- c", "")


def field_values(schema, field, depth: int):
    kind = field.type
    if kind == "bool":
        return st.booleans()
    if kind == "integer":
        return st.sampled_from(INTEGERS)
    if kind == "money":
        return st.sampled_from(MONEY)
    if kind == "decimal":
        return st.sampled_from(DECIMALS)
    if kind == "date":
        return st.sampled_from(DATES)
    if kind == "text":
        return st.sampled_from(TEXTS)
    if kind == "enum":
        return st.sampled_from(field.values)
    if kind == "record":
        return record(schema, field.of, depth + 1)
    if kind == "list":
        return st.lists(record(schema, field.of, depth + 1, nullable=False), max_size=12 if depth == 0 else 3)
    raise AssertionError(kind)


def record(schema, name: str, depth: int = 0, nullable: bool = True):
    entity = schema.entities[name]
    parts = {}
    for field in entity.fields.values():
        if depth > 2 and field.type in ("record", "list"):
            continue
        # mostly given, sometimes null, sometimes absent
        parts[field.name] = st.one_of(field_values(schema, field, depth), st.just(None), st.just("<absent>"))
    built = st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v != "<absent>"})
    return st.one_of(st.just(None), built) if nullable and depth > 0 else built


def claims_for(schema, entities):
    """A claim holding every entity a rule reads (the first always a record)."""
    parts = {entities[0]: record(schema, entities[0])}
    for other in entities[1:]:
        parts[other] = st.one_of(record(schema, other), st.just(None))
    return st.fixed_dictionaries(parts)


# dividends and divisors whose quotient lies within 1e-8 of a rate the demonstration village needs
# (0.95, 0.9, 1), or on it: a quotient rounded to a few places, or in binary floating point, would
# cross the rate (9,499,999,999 / 10,000,000,000 is 0.95 to 8 places)
QUOTIENT_EDGES = ((9_499_999_999, 10_000_000_000), (9_500_000_000, 10_000_000_000), (2_849_999_999, 3_000_000_000),
                  (19, 20), (18, 19), (949, 1000), (999_999_999, 1_000_000_000), (0, 7))


def quotient_edge_villages(example: dict) -> list:
    """The eligible example village with each pair above as its employed / able poor labourers, as
    its transferred / wanting transfer and as its trained / needing training."""
    found = []
    for top, bottom in QUOTIENT_EDGES:
        for over, under in (("poor_labourers_employed", "poor_labourers_able"), ("transferred", "wanting_transfer"),
                            ("trained", "needing_training")):
            village = dict(example["village"], **{over: top, under: bottom})
            found.append(dict(example, village=village))
    return found


def fen_edge_claims(policy, read_claim, examples) -> dict:
    """Amounts whose exact value lies within 10⁻⁸ of a half fen: a factor narrowed to 10 places, or
    an amount rounded to 10 places before the fen, rounds them the other way (rule -> claims)."""
    post = read_claim(examples / "public-welfare-post-subsidy-eligible.yaml", policy.schema)
    start = read_claim(examples / "poor-village-startup-subsidy-eligible.yaml", policy.schema)
    posts = []
    for months in ("0.000016666666", "0.016783333333", "3.333349999999", "1.5"):
        assignments = [dict(a, months_worked=Decimal(months)) for a in post["public_welfare_post"]["assignments"]]
        posts.append(dict(post, public_welfare_post=dict(post["public_welfare_post"], assignments=assignments)))
    starts = [dict(start, labourer=dict(start["labourer"], startup_subsidy_applied=Decimal(applied)))
              for applied in ("99999.994999999999", "12345.674999999999", "0.005000000001", "100000")]
    return {"public-welfare-post-subsidy": posts, "poor-village-startup-subsidy": starts}
