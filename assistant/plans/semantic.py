"""Questions by meaning ("猪肉储备的钱是哪个专项出的？"): the index finds the fund, SQL the figures.

The answer cites both the text row that matched (项目概况 / 当年绩效目标 / an
indicator) and the rows the figures come from.  A weak best match is not
presented as an answer: the index's absolute similarity must clear a floor.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from sqlalchemy import select

from assistant.intent import Intent
from assistant.plans import fund_facts
from assistant.plans.funds import fund_amounts
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import display_name
from db import models as m

# When is a best match relevant at all?  Either signal clearly above what unrelated questions
# score ("今天食堂吃什么" reaches lexical 0.10 / dense 0.85 against this corpus, described funds
# reach lexical 0.18-0.55 / dense 0.865-0.92), or both moderately high together.
_CLEAR = {"lexical": 0.25, "dense": 0.875}
_TOGETHER = {"lexical": 0.15, "dense": 0.86}
_TIE = 0.02
_ASKING = re.compile(
    r"的?是?(?:哪个|什么|哪一个|哪一)(?:专项|项目|项)|从哪里?出|在哪个|的钱|的经费|出的|[？?]"
)
_SECOND_PART = re.compile(r"[？?]")


class Searcher(Protocol):
    """What the plan needs of the vector index (``db.vector.VectorIndex``)."""

    def search(self, query: str, k: int = 5, mode: str = "fused", entities=None) -> list: ...


def _relevant(match) -> bool:
    sims = match.similarity or {}
    if any(sims.get(name, 0.0) >= floor for name, floor in _CLEAR.items()):
        return True
    return len(sims) > 1 and all(sims.get(n, 0.0) >= f for n, f in _TOGETHER.items())


def _decide(matches: list):
    """The best match; when fused scores are nearly tied, the meaning model's similarity decides,
    because near ties come from word overlap that a paraphrase does not share."""
    top = matches[0].score
    close = [mt for mt in matches if mt.score >= top - _TIE]
    return max(close, key=lambda mt: (mt.similarity or {}).get("dense", mt.score))


def by_meaning(intent: Intent, index: Searcher, runner: Runner, draft: Draft,
               within: set[int] | None = None) -> bool:
    """Resolve the fund the question describes, then answer its budget (and indicator) facts.

    ``within`` keeps only funds of those departments ("…是哪个镇的专项" looks among towns).
    The indicator, if one is asked for, is chosen by the part of the question after
    the description ("…是哪个专项？大型科普活动要搞多少场？"), not by the description.
    """
    first, *rest = _SECOND_PART.split(intent.question, maxsplit=1)
    query = _ASKING.sub("", first) or intent.question
    matches = [mt for mt in index.search(query, k=12 if within else 3, entities={"fund"}) if mt.fund_id]
    if within:
        allowed = set(runner.session.scalars(
            select(m.Fund.id).where(m.Fund.id.in_([mt.fund_id for mt in matches]),
                                    m.Fund.department_id.in_(within))))
        matches = [mt for mt in matches if mt.fund_id in allowed][:3]
    if not matches:
        return False
    best = _decide(matches)
    if not _relevant(best):
        return False
    rows = fund_facts.load(runner, [best.fund_id])
    if not rows:
        return False
    fund = rows[0]
    snippet = best.text if len(best.text) <= 80 else best.text[:80] + "…"
    draft.lines.append(
        f"最相关的是{fund.name}（{display_name(fund.department)}），匹配到其{best.field_label}“{snippet}”。"
        f"该专项2024年预算{fund_amounts(fund)}。")
    draft.cite(best.source_row_id, *fund.rows())
    if rest and rest[0].strip():
        fund_facts.indicators(fund, replace(intent, question=rest[0]), runner, draft)
    elif best.field == "indicator":  # "民政救助标准多少": the matched indicator is what was asked
        fund_facts.indicators(fund, replace(intent, question=best.text), runner, draft)
    elif intent.wants_indicator:
        fund_facts.indicators(fund, intent, runner, draft)
    if len(matches) > 1:
        others = "、".join(mt.name for mt in matches if mt is not best)
        draft.lines.append(f"（其他可能相关的专项：{others}。）")
    draft.fund_ids = [fund.id]
    return True
