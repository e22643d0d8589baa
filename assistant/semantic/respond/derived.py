"""Saying derived figures: a share of a whole, a multiple, a difference — each with its two inputs.

The inputs are totals SQL computed; the ratio is taken from them with the
precision asked (two decimals unless the question says otherwise), and the
answer shows the arithmetic so staff can check it.
"""

from __future__ import annotations

from decimal import Decimal

from assistant.semantic.execute import PartResult
from assistant.semantic.respond.draft import Draft
from assistant.semantic.respond.format import amount
from assistant.semantic.respond.funds import precision
from assistant.semantic.restate import scope_phrase

SHARE_DIGITS = 2


def total(result: PartResult) -> Decimal | None:
    """The figure of one side: the single fund's amount, or the SQL total of the scope."""
    if result.totals.get("sum") is not None:
        return Decimal(result.totals["sum"])
    return None


def derived(result: PartResult, draft: Draft, scope: str) -> None:
    other = result.other
    kind = result.query.derived.kind
    a, b = total(result), total(other) if other else None
    if a is None or b is None:
        if kind == "change" and other is not None:
            draft.say(f"无法计算增减：{other.query.year}年的重点专项中没有{scope}。")
        else:
            draft.say("无法计算：有一方在库中没有找到数字。")
        return
    digits = max(precision(result.rows, result.query.basis), precision(other.rows, other.query.basis))
    left, right = scope_phrase(result.query), scope_phrase(other.query)
    a_text, b_text = amount(a, digits), amount(b, digits)
    asked = result.query.decimals if result.query.decimals is not None else SHARE_DIGITS
    if kind == "share":
        ratio = a * 100 / b if b else None
        value = f"{amount(ratio, asked)}%" if ratio is not None else "—"
        draft.say(f"{left}{a_text}万元，占{right}{b_text}万元的{value}（{a_text} ÷ {b_text}）。")
    elif kind == "multiple":
        value = amount(a / b, asked) if b else "—"
        draft.say(f"{left}{a_text}万元，是{right}{b_text}万元的{value}倍（{a_text} ÷ {b_text}）。")
    elif kind == "change":
        _change(result, other, draft, (a, b), (a_text, b_text, digits, asked))
    else:
        gap = a - b
        way = "多" if gap >= 0 else "少"
        draft.say(f"{left}{a_text}万元，{right}{b_text}万元，前者比后者{way}{amount(abs(gap), digits)}万元"
                  f"（{a_text} − {b_text}）。")
    draft.cite_funds(result.rows, result.query.basis)
    draft.cite_funds(other.rows, other.query.basis)
    draft.table_funds(result.rows + other.rows, result.query)


def _change(result: PartResult, other: PartResult, draft: Draft, values: tuple[Decimal, Decimal],
            written: tuple[str, str, int, int]) -> None:
    """This year's figure against the base year's, with the gap and the rate of change."""
    (a, b), (a_text, b_text, digits, asked) = values, written
    gap = a - b
    way = "增加" if gap > 0 else "减少" if gap < 0 else "持平"
    moved = f"{way}{amount(abs(gap), digits)}万元" if gap else way
    rate = f"，{'增幅' if gap > 0 else '降幅'}{amount(abs(gap) * 100 / b, asked)}%" if gap and b else ""
    scope = scope_phrase(result.query)
    draft.say(f"{scope}{result.query.year}年{a_text}万元，{other.query.year}年{b_text}万元，"
              f"{moved}（{a_text} − {b_text}）{rate}。")
