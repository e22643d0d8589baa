"""The figures a department-budget disclosure states in words, and what a question asks of them.

The narrative says "2024年“三公”经费预算44.8万元，比2023年减少4万元，主要原因是…".
Recognised at ingest as stated facts (topic, item, year, amount, change); here a
question part is matched to the fact whose wording it covers best, and the
answer gives the figure, its change and rate, last year's figure it implies
(labelled as derived), the reasons the sentence states, or the items that
changed.  ``DeptBudgetPlan`` (the tables) inherits these.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from assistant.format import computed, percent
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import longest_common_substring
from assistant.wording import covered
from db import models as m

CHANGE = re.compile(
    r"比|较|同比|增加|减少|增长|下降|涨|降|少了|多了|变化|变动|相差|差额|差多少|差距|差了|压减|压缩|削减|缩减|核减|"
    r"增减"
)
SUBJECT_WORDS = re.compile(r"什么科目|哪些科目|哪个科目|用在|用于|用到|花在")
# counted things: the question must ask for a count ("几辆", "车辆数"), not name a cost ("公务用车运行维护费")
UNITS = {"辆": re.compile(r"几辆|多少辆|车辆数|车辆有多少|有多少车|多少台车|几台车|用车数"),
         "台（套）": re.compile(r"几台|多少台|几套|多少套|设备数")}
PERCENT = re.compile(r"百分之|百分比|%|％|幅度|增长率|增速|降幅|涨幅|增幅|减幅|降低率|比例|百分点|变化率")
WHY_OR_USE = re.compile(r"为什么|原因|为何|用在|用于|用到|花在|哪些方面|干什么|做什么")
_CLAUSE = re.compile(r"(主要(?:原因)?(?:是|为|用于)[^；。]*)")
FACT_FLOOR = 9  # one piece of three characters, or three of two, shared with the figure's wording
# the next figure with a comparison of its own starts another statement ("…万元，比2023年…")
_NEXT_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*万元\s*[，,]\s*比")
WHICH_ITEM = re.compile(r"哪一?项|哪些项|哪个方面|什么项目")
_CONTACT_ROW = re.compile(r"联系人|联系电话|联系方式")


def shared_length(label: str, text: str) -> int:
    """Length of the longest piece (two characters or more) a label shares with the text."""
    common, _ = longest_common_substring(label, text)
    return len(common) if len(common) >= 2 else 0


class NarrativeFigures:
    """Answers from the stated facts of one disclosure; the plan provides facts, draft and runner."""

    facts: list
    draft: Draft
    runner: Runner
    question: str
    own_names: list[str]
    last_topic: str | None
    last_fact: object | None

    def _contact(self) -> bool:
        """The disclosure's own contact line (部门预算公开联系人：… 联系方式：…)."""
        rows = self.runner.rows(
            select(m.SourceRow.id, m.SourceRow.text)
            .where(m.SourceRow.document_id == self.doc.document_id, m.SourceRow.block == "paragraph")
            .order_by(m.SourceRow.ordinal)
        )
        hits = [r for r in rows if _CONTACT_ROW.search(r["text"]) and len(r["text"]) <= 120]
        if not hits:
            return False
        self.draft.lines.append("；".join(r["text"].strip() for r in hits) + "；")
        self.draft.cite(*[r["id"] for r in hits])
        return True

    def _change_of_last(self, raw: str) -> bool:
        """"去年的机关运行经费是多少？今年压减幅度是百分之几？": the change of the figure just given."""
        f = self.last_fact
        current = self._current(f) if f is not None else None
        if current is None or not (CHANGE.search(raw) or PERCENT.search(raw)):
            return False
        rate = _fact_rate(f, current) if PERCENT.search(raw) else ""
        self.draft.lines.append(_fact_text(f) + rate + "；")
        self.draft.cite(f.source_row_id)
        return True

    def _changed_items(self, raw: str) -> bool:
        """"主要是哪一项减少了": the items of the last figure's topic that changed, with the change."""
        down = bool(re.search(r"减少|下降|降|少", raw))
        up = bool(re.search(r"增加|增长|上升|涨|多", raw))
        items = [f for f in self.facts if f.topic == self.last_topic and f.change in ("增加", "减少")
                 and (not (up or down) or (f.change == "减少") == down)
                 and shared_length(f.item, f.topic) < 2]
        if not items:
            return False
        listing = "；".join(_fact_text(f) for f in items)
        self.draft.lines.append(f"其中有变化的是：{listing}；")
        self.draft.cite(*[f.source_row_id for f in items])
        return True

    def _fact(self, text: str, whole: str, years: list[int]) -> bool:
        """The narrative figure that best matches this part of the question."""
        unit = next((u for u, pattern in UNITS.items() if pattern.search(self.question)), None)
        best, best_score = None, 1
        for f in self.facts:
            if unit and f.unit != unit:
                continue
            if not unit and f.unit in UNITS:
                continue
            derivable = f.base_year in years and self._current(f) is not None
            if years and f.year not in years and not derivable and not (CHANGE.search(whole) and f.change):
                continue
            # how much of the question the figure's wording covers, its own item counting extra:
            # "去年一般公共预算的基本支出" is 基本支出 (topic 一般公共预算…), not 一般公共预算…支出
            shared = covered(text, f.item, f.topic)
            if shared < FACT_FLOOR and not unit and not self._fully_named(f.item, text):
                continue  # "支出" alone is in half the figures: a figure must share more to be meant
            score = 3 * shared + covered(text, f.item) + (1 if f.change and CHANGE.search(text) else 0)
            score += 2 if unit else 0  # "有多少辆车": the unit alone already says what is counted
            if f.amount is None and not CHANGE.search(text) and not derivable:
                continue  # a bare change ("收入预算较2023年增加…") does not answer "多少"
            if score > best_score:
                best, best_score = f, score
        if best is None:
            return False
        named = self._also_named(text, best, unit, years)
        if named and best.item not in text:  # the figures named word for word are what was asked
            best, named = named[0], named[1:]
        named = named or self._same_sentence(text, best)
        for other in named:
            self._say_fact(other, text, whole, years)
        return self._say_fact(best, text, whole, years)

    def _also_named(self, text: str, best, unit: str | None, years: list[int]) -> list:
        """Other figures whose item the part names word for word, beside the best one."""
        if not re.search(r"和|与|及|、|分别|各", text):
            return []
        return [f for f in self.facts if f is not best and len(f.item) >= 4 and f.item in text
                and f.amount is not None and (f.unit == unit if unit else f.unit not in UNITS)
                and (not years or f.year in years or (f.base_year in years and self._current(f)))
                and f.item not in best.item]

    def _fully_named(self, item: str, text: str) -> bool:
        """A short item the question says in full once the department's name is left out (…办公室内设)."""
        for name in self.own_names:
            item = item.replace(name, "")
        return len(item) >= 2 and item in text

    def _same_sentence(self, text: str, best) -> list:
        """"涉及哪些资金？各多少？": the other figures the same sentence states under the same topic."""
        if not re.search(r"哪些|各|分别", self.question):
            return []
        return [f for f in self.facts if f is not best and f.source_row_id == best.source_row_id
                and f.topic == best.topic and f.amount is not None and f.year == best.year]

    def _say_fact(self, best, text: str, whole: str, years: list[int]) -> bool:
        """State one narrative figure (or the earlier year it implies), with its reasons when asked."""
        self.last_topic, self.last_fact = best.topic, best
        current = self._current(best)
        if years and best.year not in years and current is not None and not CHANGE.search(text):
            return self._earlier_year(best, current)
        line = _fact_text(best)
        if current is not None and PERCENT.search(whole):
            line += _fact_rate(best, current)
        if WHY_OR_USE.search(whole) and (clauses := _explained(self._source_text(best.source_row_id), best)):
            line += "。原文说明：" + "；".join(clauses)
        self.draft.lines.append(line + "；")
        self.draft.cite(best.source_row_id)
        self.draft.rows.append({"主题": best.topic, "项目": best.item, "年度": best.year,
                                "金额": best.amount_text, "单位": best.unit, "变化": best.change,
                                "变化额": best.change_text})
        if SUBJECT_WORDS.search(whole):
            self._subjects_of_topic(best.topic)
        return True

    def _current(self, f):
        """The figure a stated change applies to: the fact's own amount, or its topic's total.

        "收入预算较2023年增加48.91万元" states no amount of its own; the topic's
        total ("收入预算1952.98万元", item 年初预算数) is the figure it compares.
        """
        if f.change == "持平" and f.amount is not None:
            return f
        if f.change not in ("增加", "减少") or f.change_amount is None:
            return None
        if f.amount is not None:
            return f
        if f.item != f.topic:  # "基本支出预算较上年减少…" is a part of 支出预算, not its total
            return None
        return next((t for t in self.facts if t.topic == f.topic and t.year == f.year and t.amount is not None
                     and re.search(r"年初预算数|合计|总额|总计", t.item)), None)

    def _earlier_year(self, f, current) -> bool:
        """Last year's figure the narrative implies: this year's amount minus the stated change."""
        if f.change == "持平":
            base, base_text, stated = current.amount, current.amount_text, "与上年持平"
        else:
            sign = -1 if f.change == "增加" else 1
            base = current.amount + sign * f.change_amount
            base_text = computed(base, [current.amount_text, f.change_text])
            stated = f"比{f.base_year}年{f.change}{f.change_text}{f.unit}"
        self.draft.lines.append(
            f"{f.base_year}年{f.item}为{base_text}{f.unit}（文件未直接列出，由{f.year}年{current.amount_text}"
            f"{f.unit}与“{stated}”推算）；")
        self.draft.cite(current.source_row_id, f.source_row_id)
        source = f"{current.amount_text}、{f.change}{f.change_text}"
        self.draft.rows.append({"主题": f.topic, "项目": f.item, "年度": f.base_year, "金额": base_text,
                                "单位": f.unit, "推算自": source})
        return True

    def _source_text(self, row_id: int | None) -> str:
        rows = self.runner.rows(select(m.SourceRow.text).where(m.SourceRow.id == row_id))
        return rows[0]["text"] if rows else ""


def _fact_text(f) -> str:
    year = f"{f.year}年" if f.year else ""
    topic = "" if shared_length(f.topic, f.item) >= 2 else f"（{f.topic}）"
    head = f"{year}{f.item}{topic}" + (f"{f.amount_text}{f.unit}" if f.amount is not None else "")
    if f.change == "持平":
        return head + "，与上年持平"
    if f.change:
        return head + f"，比{f.base_year}年{f.change}{f.change_text}{f.unit}"
    return head


def _explained(source: str, f) -> list[str]:
    """The 主要原因/主要用于 clauses the source sentence gives right after this figure.

    A narrative paragraph states several figures, each followed by its own
    reasons; only the clauses between this figure and the next one belong to it.
    """
    start = source.find(f.item)
    start = source.find(f.amount_text or f.change_text or "", max(start, 0))
    if start < 0:
        return []
    rest = source[start + len(f.amount_text or f.change_text or ""):]
    if f.amount_text and f.change_text and (at := rest.find(f.change_text)) >= 0:
        rest = rest[at + len(f.change_text):]  # "171万元，比2023年减少19.1万元，主要原因…"
    following = _NEXT_FIGURE.search(rest)
    return _CLAUSE.findall(rest[: following.start()] if following else rest)


def _fact_rate(f, current) -> str:
    """The rate of a stated change: the earlier year's figure is this year's minus the change."""
    if f.change == "持平" or f.change_amount is None:
        return "，增减0%"
    base = current.amount - f.change_amount if f.change == "增加" else current.amount + f.change_amount
    if not base:
        return ""
    base_text = computed(base, [current.amount_text, f.change_text])
    word = "增长" if f.change == "增加" else "下降"
    rate = percent(f.change_amount, base)
    return f"（{f.base_year}年为{base_text}{f.unit}，由本年数与变化额推算），{word}{rate}"
