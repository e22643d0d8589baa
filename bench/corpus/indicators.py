"""绩效指标 rows of generated forms: varied from real ones, with weights that add up like the source's.

Both kinds of form (key funds and department projects) list indicators with a
name, a nature (≥ = ≤ 定性), a value, a unit, a weight and a 是否核心 flag.  The
generator starts from a real form's indicators, sometimes swaps one for an
indicator of another form of the same department, moves numeric values a
little from year to year and redraws the weights so that they add up to the
total the source's forms use (90, the remaining 10 being 预算执行率, per the
编表说明; 100 on the whole-department form).
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

from bench.corpus.layout import GENERAL, Cell, Num
from bench.corpus.samples import Indicator

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PERCENT_STEPS = (80, 85, 90, 95, 98, 100)
_WEIGHT_STEP = 5
_MAX_WEIGHT = 30
# misspelt units as they occur in real exports (a stray full-width sign, a unit written as a noun)
UNIT_TYPOS = {"%": "％", "个": "各", "人": "人数", "人次": "人/次", "次": "次数", "户": "戸", "家": "加",
              "平方米": "平米", "场次": "场此", "万元": "万圆"}


def number_cell(text: str) -> Cell:
    """Purely numeric indicator values and weights are numbers in the workbook (General format)."""
    return Num(text, Decimal(text), GENERAL) if _NUMBER.fullmatch(text) else text


def indicator_cells(first: int, end: int, column: int) -> set[tuple[int, int]]:
    """Cells of indicator rows (``first`` to ``end``) from ``column`` on, which the sample centres."""
    return {(r, c) for r in range(first, end) for c in range(column, 7)}


def weights(r: random.Random, count: int, total: int) -> list[int]:
    """Weights in steps of 5, at most 30 each, adding up to ``total`` (like the real forms)."""
    units = total // _WEIGHT_STEP
    cap = _MAX_WEIGHT // _WEIGHT_STEP
    if count * cap < units:
        cap = -(-units // count)
    out = [1] * count
    for _ in range(units - count):
        i = r.choice([j for j in range(count) if out[j] < cap])
        out[i] += 1
    return [u * _WEIGHT_STEP for u in out]


def _value(r: random.Random, ind: Indicator) -> str:
    """A nearby value: percentages snap to the usual targets, counts move by up to ±20%."""
    if not ind.value.isdigit() or ind.nature == "定性":
        return ind.value
    value = int(ind.value)
    if ind.unit == "%" and value <= 100:
        near = [p for p in _PERCENT_STEPS if abs(p - value) <= 5] or [value]
        return str(r.choice(near))
    return str(max(1, round(value * r.uniform(0.8, 1.2))))


def choose(r: random.Random, rows: tuple[Indicator, ...], pool: list[Indicator],
           max_count: int = 10) -> list[Indicator]:
    """Which indicators a form lists: the template's, perhaps one swapped, added or dropped.

    Drawn once per fund (not per year), so a fund keeps its indicators from year
    to year the way real funds do; only values and weights move (see ``vary``).
    """
    chosen = list(rows[:max_count])
    spare = [p for p in pool if p.name not in {c.name for c in chosen}]
    if spare and r.random() < 0.4:
        chosen[r.randrange(len(chosen))] = spare.pop(r.randrange(len(spare)))
    if spare and len(chosen) < max_count and r.random() < 0.3:
        chosen.append(spare.pop(r.randrange(len(spare))))
    if len(chosen) > 4 and r.random() < 0.3:
        chosen.pop(r.randrange(len(chosen)))
    return chosen


def vary(r: random.Random, chosen: list[Indicator], total: int = 90) -> list[Indicator]:
    """One year's indicators: nearby values, weights redrawn to add up to ``total``, top weights core."""
    drawn = weights(r, len(chosen), total)
    top = sorted(drawn, reverse=True)[min(2, len(drawn) - 1)]
    return [Indicator(c.name, c.nature, _value(r, c), c.unit, w, w >= max(top, 15) or w == max(drawn))
            for c, w in zip(chosen, drawn, strict=True)]
