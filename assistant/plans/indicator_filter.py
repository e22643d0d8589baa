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

from assistant.intent import COMPARISONS, Intent
from assistant.plans.funds import scope_ids
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import Vocabulary
from db import models as m
from db.writing import parse_amount

_CONDITION = re.compile(
    r"(?:(不低于|不少于|达到|高于|超过|低于|不超过|不高于|恰好是?|正好是?|刚好是?|等于)\s*)?(\d+(?:\.\d+)?)\s*(%|％)?\s*"
    r"(及以上|以上|或以上|及以下|以下|或以下)?"
)
_GENERIC = {"目标", "指标", "专项", "项目", "预算", "核心", "定到", "以上", "以下", "权重", "给到",
            "超过", "低于", "高于", "达到", "不低于", "不少于", "不超过", "不高于", "几个", "哪些",
            "绩效", "绩效目标", "目标表", "恰好", "正好", "等于"}
_QUOTED = re.compile(r"[“\"]([^”\"]{2,30})[”\"]")
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
    """Indicator wording plus a numeric condition, or "哪些专项有“…”指标", about funds in general."""
    del vocab
    if intent.funds or intent.op not in ("count", "list", "lookup"):
        return False
    if _condition(intent.question) is not None:
        return intent.wants_indicator or "%" in intent.question
    return intent.wants_indicator and intent.op in ("count", "list") and bool(_QUOTED.search(intent.question))


def _indicator_rows(runner: Runner) -> list[dict]:
    return runner.rows(
        select(m.Indicator.id, m.Indicator.name, m.Indicator.nature, m.Indicator.value,
               m.Indicator.unit, m.Indicator.weight, m.Indicator.weight_text, m.Indicator.source_row_id,
               m.FundForm.name.label("fund"), m.FundForm.fund_id, m.FundForm.department_id)
        .join(m.FundForm, m.Indicator.form_id == m.FundForm.id)
        .where(m.FundForm.document_id.in_(_PRIMARY), m.FundForm.is_repeat.is_(False))
    )


def _shown(r: dict, by_weight: bool) -> str:
    nature = r["nature"] if r["nature"] != "定性" else ""
    weight = f"，权重{r['weight_text']}" if by_weight else ""
    return f"{r['name']}{nature}{r['value']}{r['unit']}{weight}"


def indicator_filter(
    intent: Intent, vocab: Vocabulary, runner: Runner, draft: Draft, quiet_when_empty: bool = False
) -> bool:
    """Count and list the funds having an indicator that meets the condition (or just has the name).

    A quoted indicator name with no condition lists every fund having it, with
    its target.  Named departments or a group narrow the funds.  With
    ``quiet_when_empty`` a filter that finds nothing writes nothing and returns
    False, so the question can be tried by meaning instead ("回收率达91%以上的是
    哪个专项" may describe a goal text rather than an indicator name).
    """
    del vocab
    rows = _indicator_rows(runner)
    by_weight = "权重" in intent.question
    condition = _condition(intent.question, exact_default=by_weight)
    names = [r["name"] for r in rows]
    quoted = _QUOTED.search(intent.question)
    if quoted and any(quoted.group(1) in n for n in names):
        keyword: str | None = quoted.group(1)
    elif condition is not None:
        keyword = _keyword(intent.question, names)
        if by_weight and keyword is None:
            keyword = ""  # "权重给到40%的指标": every indicator
    else:
        keyword = None
    if keyword is None:
        if quiet_when_empty:
            return False
        draft.understood = False
        draft.lines.append("没有识别出要筛选的指标或条件。")
        return True
    op, value, pct = condition or ("any", Decimal(0), False)
    scope = scope_ids(intent) or set()
    hits: dict[int, list[dict]] = {}
    for r in rows:
        if keyword not in r["name"] or (scope and r["department_id"] not in scope):
            continue
        number = r["weight"] if by_weight else parse_amount(r["value"])
        if condition is not None and (number is None or (
                pct and not by_weight and r["unit"] not in ("%", "％"))):
            continue
        if condition is None or COMPARISONS[op](number, value):
            hits.setdefault(r["fund_id"], []).append(r)
    if not hits and quiet_when_empty:
        return False
    listing = "；".join(f"{v[0]['fund']}（" + "、".join(_shown(r, by_weight) for r in v) + "）"
                       for v in hits.values())
    named = f"指标名称含“{keyword}”" if keyword else "有指标"
    if condition is not None:
        words = {">=": "不低于", ">": "高于", "<": "低于", "<=": "不高于", "=": "等于"}[op]
        measure = "权重" if by_weight else "目标值"
        named += f"{'且' if keyword else ''}{measure}{words}{value}{'%' if pct else ''}"
    count = sum(len(v) for v in hits.values())
    head = f"{named}的专项共{len(hits)}个（指标{count}条）"
    draft.lines.append(head + (f"：{listing}。" if hits else "。"))
    for v in hits.values():
        draft.cite(*[r["source_row_id"] for r in v])
    draft.rows = [r for v in hits.values() for r in v]
    draft.fund_ids = [i for i in hits if i is not None]
    return True
