"""Funds filtered by an indicator target: "满意度目标定到98%及以上的专项有几个？".

The indicator is named by wording the question shares with indicator names in
the store (满意度 → every indicator whose name contains 满意度); the condition
is the number and comparison the question states.  A question about 权重
("权重给到40%的指标有哪些") compares the weights instead of the target values;
a weight stated without a comparison word means exactly that weight.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from assistant.intent import Intent
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import Vocabulary
from db import models as m
from ingest.recognisers.common import parse_amount

_CONDITION = re.compile(
    r"(?:(不低于|不少于|达到|高于|超过|低于|不超过|不高于|恰好是?|正好是?|刚好是?|等于)\s*)?(\d+(?:\.\d+)?)\s*(%|％)?\s*"
    r"(及以上|以上|或以上|及以下|以下|或以下)?"
)
_GENERIC = {"目标", "指标", "专项", "项目", "预算", "核心", "定到", "以上", "以下", "权重", "给到",
            "超过", "低于", "高于", "达到", "不低于", "不少于", "不超过", "不高于", "几个", "哪些",
            "绩效", "绩效目标", "目标表", "恰好", "正好", "等于"}
_FUNCTION_CHARS = set("的了是有个和与及在把被")  # a keyword never starts or ends with a particle ("的指")
_PRIMARY = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))


def _condition(q: str, exact_default: bool = False) -> tuple[str, Decimal, bool] | None:
    """(operator, value, is_percent) from the question, or None.

    Without a comparison word the bound is ``>=`` ("满意度98%的…" means at least
    98%), or ``=`` with ``exact_default`` (a weight is a share, stated exactly).
    """
    for mt in _CONDITION.finditer(q):
        word, number, pct, tail = mt.groups()
        if not (word or tail or pct):
            continue
        op = "=" if (exact_default and not (word or tail)) or (word and word[0] in "恰正刚等") else ">="
        if word in ("高于", "超过"):
            op = ">"
        elif word in ("低于",):
            op = "<"
        elif word in ("不超过", "不高于") or (tail and "下" in tail):
            op = "<="
        return op, Decimal(number), bool(pct)
    return None


def _keyword(q: str, names: list[str]) -> str | None:
    """The longest wording of the question that indicator names contain."""
    best = None
    for size in range(min(len(q), 8), 1, -1):
        for i in range(len(q) - size + 1):
            piece = q[i : i + size]
            if piece in _GENERIC or not re.fullmatch(r"[\u4e00-\u9fa5]+", piece) or (
                    piece[0] in _FUNCTION_CHARS or piece[-1] in _FUNCTION_CHARS):
                continue
            if any(piece in n for n in names):
                # 满意度 / 满意率, 覆盖率 / 覆盖度: the measure suffix is not part of the meaning
                return piece[:-1] if len(piece) >= 3 and piece[-1] in "度率" else piece
        if best:
            break
    return best


def wants_indicator_filter(intent: Intent, vocab: Vocabulary) -> bool:
    """Indicator wording plus a numeric condition, about funds in general (none named)."""
    del vocab
    return (not intent.funds and intent.op in ("count", "list", "lookup")
            and (intent.wants_indicator or "%" in intent.question)
            and _condition(intent.question) is not None)


def indicator_filter(
    intent: Intent, vocab: Vocabulary, runner: Runner, draft: Draft, quiet_when_empty: bool = False
) -> bool:
    """Count and list the funds having an indicator that meets the condition.

    With ``quiet_when_empty`` a filter that finds nothing writes nothing and
    returns False, so the question can be tried by meaning instead ("回收率达91%
    以上的是哪个专项" may describe a goal text rather than an indicator name).
    """
    del vocab
    rows = runner.rows(
        select(m.Indicator.id, m.Indicator.name, m.Indicator.nature, m.Indicator.value,
               m.Indicator.unit, m.Indicator.weight, m.Indicator.weight_text, m.Indicator.source_row_id,
               m.FundForm.name.label("fund"),
               m.FundForm.fund_id)
        .join(m.FundForm, m.Indicator.form_id == m.FundForm.id)
        .where(m.FundForm.document_id.in_(_PRIMARY), m.FundForm.is_repeat.is_(False))
    )
    by_weight = "权重" in intent.question
    condition = _condition(intent.question, exact_default=by_weight)
    keyword = _keyword(intent.question, [r["name"] for r in rows])
    if by_weight and keyword is None:
        keyword = ""  # "权重给到40%的指标": every indicator
    if condition is None or keyword is None:
        if quiet_when_empty:
            return False
        draft.understood = False
        draft.lines.append("没有识别出要筛选的指标或条件。")
        return True
    op, value, pct = condition
    compare = {">=": lambda v: v >= value, ">": lambda v: v > value, "<": lambda v: v < value,
               "<=": lambda v: v <= value, "=": lambda v: v == value}[op]
    hits: dict[int, list[dict]] = {}
    for r in rows:
        number = r["weight"] if by_weight else parse_amount(r["value"])
        if keyword not in r["name"] or number is None or (
                pct and not by_weight and r["unit"] not in ("%", "％")):
            continue
        if compare(number):
            hits.setdefault(r["fund_id"], []).append(r)
    if not hits and quiet_when_empty:
        return False
    words = {">=": "不低于", ">": "高于", "<": "低于", "<=": "不高于", "=": "等于"}[op]
    unit = "%" if pct else ""
    def shown(r: dict) -> str:
        nature = r["nature"] if r["nature"] != "定性" else ""
        weight = f"，权重{r['weight_text']}" if by_weight else ""
        return f"{r['name']}{nature}{r['value']}{r['unit']}{weight}"

    listing = "；".join(f"{v[0]['fund']}（" + "、".join(shown(r) for r in v) + "）" for v in hits.values())
    named = f"指标名称含“{keyword}”且" if keyword else "有指标"
    measure = "权重" if by_weight else "目标值"
    count = sum(len(v) for v in hits.values())
    draft.lines.append(f"{named}{measure}{words}{value}{unit}的专项共{len(hits)}个（指标{count}条）"
                       + (f"：{listing}。" if hits else "。"))
    for v in hits.values():
        draft.cite(*[r["source_row_id"] for r in v])
    draft.rows = [r for v in hits.values() for r in v]
    draft.fund_ids = [i for i in hits if i is not None]
    return True
