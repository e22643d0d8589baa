"""Questions on a department's own budget: the 16 standard tables and the narrative figures.

A question is cut into its parts ("…各多少？涨了多少？", "…几辆车？其中自己单位的几辆？")
and each part is matched against three kinds of things the disclosure states:
subject codes/names of the tables, the columns of the 基本支出 tables (人员经费,
日常公用经费), and the figures of the narrative (``dept_narrative``, inherited).
Matching is by shared wording after expanding the colloquial terms of
``assistant/lexicon/aliases.tsv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from assistant.format import computed, percent
from assistant.intent import CONTACT, Intent, years_in
from assistant.plans.dept_narrative import (
    CHANGE,
    FACT_FLOOR,
    PERCENT,
    WHICH_ITEM,
    WHY_OR_USE,
    NarrativeFigures,
    shared_length,
)
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import Vocabulary, display_name, on_word_bounds
from assistant.wording import covered
from db import models as m
from db.records import DEPT_BUDGET, PROGRAM_DEPT

_PARTS = re.compile(r"[？?；;，,。]|其中|另外|以及")
_CODE = re.compile(r"(?<!\d)(\d{3}|\d{5}|\d{7})(?!\d)")
_TOTAL_COLUMNS = ("总计", "合计", "小计", "预算数", "预算数/小计", "基本支出", "项目支出")
_TABLE_PREFERENCE = (3, 5, 6, 7, 8, 9, 11, 2, 12, 1, 4, 10)
_RELATIVE_YEAR = re.compile(r"今年|本年|去年|上年")
_ASKS = re.compile(r"多少|几|哪|什么|吗|是否|是不是|怎么|如何|怎样|谁|呢|各|还是|有没有")
_PROJECTS = re.compile(
    r"(?:一般|重点)?项目(?:有哪些|有哪几个|是哪些|都有哪些|有几个)|哪(?:几|些)个?(?:一般|重点)?项目"
)
_SHARE_OF_TOTAL = re.compile(r"占.{0,24}(?:比重|比例|百分之|%|％)")
_LARGEST_ITEM = re.compile(
    r"(?:哪一?项|哪个科目|哪一科目|哪项|哪个|哪笔).{0,6}(?:最大|最多|最高|最少|最小|最低)"
)
_EITHER = re.compile(r"(\d+(?:\.\d+)?)\s*万?元?\s*还是\s*(\d+(?:\.\d+)?)\s*万")
_CHANGE_RANK = re.compile(
    r"(?:增加|增长|减少|下降|压减)(?:得)?(?:最多|最大|最快)|(?:几个|多少个|哪些|哪几个).{0,10}(?:比上年|比去年|较上年|比2023年)"
    r".{0,4}(?:增加|减少|下降|增长)"
)
_TOTAL_ASKED = re.compile(r"一共|合计|加起来|合起来|总共|共计|总额|加在一起")
_SPLIT_EXPLICIT = re.compile(r"怎么分|构成|基本.{0,6}项目|项目.{0,6}基本")
_DETAIL = re.compile(
    r"具体|明细|哪些|包括|包含|由什么|都有什么|是什么补助|分别是|分成|分为|下设|细分|哪几个科目|"
    r"[两几]块|各部分|分项"
)
TABLE_NAMES = {1: "表一", 2: "表二", 3: "表三", 4: "表四", 5: "表五", 6: "表六", 7: "表七",
               8: "表八", 9: "表九", 10: "表十", 11: "表十一", 12: "表十二", 13: "表十三"}


@dataclass
class DeptDoc:
    document_id: int
    department_id: int | None
    department: str
    year: int | None


def department_documents(runner: Runner) -> list[DeptDoc]:
    """Primary department-budget disclosures in the store."""
    rows = runner.cached(
        "department_documents",
        select(m.Document.id, m.Document.department_id, m.Department.name, m.Document.year)
        .join(m.Department, m.Document.department_id == m.Department.id, isouter=True)
        .where(m.Document.kind == DEPT_BUDGET, m.Document.rendition_of_id.is_(None)),
    )
    return [DeptDoc(r[0], r[1], r[2] or "", r[3]) for r in rows]


def target_document(intent: Intent, docs: list[DeptDoc]) -> DeptDoc | None:
    """The disclosure a question is about: the named department's, or the only one there is."""
    for dept in intent.departments:
        for doc in docs:
            if doc.department_id == dept.id:
                return doc
    return docs[0] if len(docs) == 1 and not intent.departments else None


def _is_total(column: str) -> bool:
    """A column holding a row's total (总计 / 合计 / 小计 / 预算数, or a table's only column)."""
    return column.rsplit("/", 1)[-1] in _TOTAL_COLUMNS


def _pick_years(part: str, doc_year: int | None) -> list[int]:
    """The years a part of the question names: written out (2023年, 23年) or relative (今年, 去年)."""
    years = years_in(part)
    if "今年" in part or "本年" in part:
        years.append(doc_year or 0)
    if "去年" in part or "上年" in part:
        years.append((doc_year or 1) - 1)
    return sorted(set(years))


class DeptBudgetPlan(NarrativeFigures):
    """Answers one department-budget question over one disclosure."""

    def __init__(self, doc: DeptDoc, vocab: Vocabulary, runner: Runner, draft: Draft) -> None:
        self.doc, self.vocab, self.runner, self.draft = doc, vocab, runner, draft
        self.lines = runner.cached(
            f"budget_lines:{doc.document_id}",
            select(m.BudgetLine.__table__).where(m.BudgetLine.document_id == doc.document_id),
        )
        self.facts = runner.cached(
            f"stated_facts:{doc.document_id}",
            select(m.StatedFact.__table__).where(m.StatedFact.document_id == doc.document_id),
        )

    def answer(self, intent: Intent) -> None:
        self.question = q = intent.question
        dept = self.vocab.departments.get(self.doc.department_id or -1)
        self.own_names = sorted(dept.names if dept else (), key=len, reverse=True)
        for name in self.own_names:
            q = q.replace(name, "")  # the department's own name says nothing about which figure
        expansions = " ".join(self.vocab.term_expansions(q))
        self.tables = self._named_tables(q)
        self.last_topic: str | None = None
        self.last_fact = None
        self.last_codes: set[str] = set()
        self.detailed = False  # a subject's parts or children were already listed
        # items stated (by subject code), for "一共多少", and their changes, for "合起来增加多少"
        self.added: dict[str, tuple[str, Decimal, list[str]]] = {}
        self.changes: dict[str, tuple[str, Decimal, list[str]]] = {}
        self.yearly: dict[str, tuple] = {}  # code → (earlier line, later line), for totals by year
        self.draft.lines.append(f"{display_name(self.doc.department)}{self.doc.year or ''}年部门预算：")
        answered = False
        parts = [p for p in _PARTS.split(q) if p.strip()] or [q]
        if intent.wants_contact and self._contact():
            answered = True
            parts = [p for p in parts if not CONTACT.search(p) and len(p.strip()) > 3]
        if _PROJECTS.search(q) and self._projects(q):
            answered = True
            parts = []
        if _SHARE_OF_TOTAL.search(q) and self._share_of_total(q):
            answered = True
            parts = []
        if _LARGEST_ITEM.search(q) and not CHANGE.search(q) and self._largest_item(q):
            answered = True
            parts = []
        if (either := _EITHER.search(q)) and self._which_figure(q, either.groups()):
            answered = True
            parts = []
        if _CHANGE_RANK.search(q) and self._changes_ranked(q):
            answered = True
            parts = []
        for index, part in enumerate(parts):
            if not _ASKS.search(part) and ((index and answered) or (
                    any(_ASKS.search(p) for p in parts[index + 1:]) and not self._subject_names(part)
                    and not _CODE.search(part))):
                # "基本支出和项目支出加起来算" qualifies the part before it, "2023年办公室用车中"
                # sets the scene for the part after it: neither asks for a figure of its own
                continue
            if index and self.detailed and not self._subject_names(part):
                continue  # "具体是什么补助" / "基本和项目各多少": already listed under the subject
            text = part + " " + " ".join(self.vocab.term_expansions(part))
            years = _pick_years(part, self.doc.year) or _pick_years(q, self.doc.year)
            answered |= self._part(part, text, q + " " + expansions, years)
        if not answered:
            self.draft.lines[-1] += "没有找到与问题对应的科目或数字。"
            self.draft.understood = False

    def _named_tables(self, q: str) -> set[int]:
        """Tables the question names by title ("支出预算总表", "基本支出里…"): the best-matching titles.

        A title counts when it shares at least four characters with the question;
        ties keep every such table (基本支出 names both 基本支出 tables).
        """
        titles = {ln.table_no: ln.table_title for ln in self.lines}
        scored = {no: covered(q, title) for no, title in titles.items()}
        best = max(scored.values(), default=0)
        return {no for no, score in scored.items() if score == best} if best >= 16 else set()

    def _in_tables(self, lines: list) -> list:
        """Lines of the named tables, else of the tables a 基本支出/项目支出 qualifier names, else all."""
        chosen = [ln for ln in lines if ln.table_no in self.tables]
        if not chosen:
            heads = [h for h in ("基本支出", "项目支出") if h in self.question]
            if len(heads) == 1:
                chosen = [ln for ln in lines if ln.table_title.startswith(heads[0])]
        return chosen or lines

    def _share_of_total(self, q: str) -> bool:
        """"卫生健康支出占一般公共预算财政拨款支出的比重，两年各多少": a subject over its table's total.

        The subject's line and the table's 合计 line of the same year and column are
        divided, for every year the table gives, each pair cited.
        """
        known = {ln.subject_code for ln in self.lines}
        codes = self._subject_names(q) | {c for c in _CODE.findall(q) if c in known}
        if len(codes) != 1:
            return False
        code = next(iter(codes))
        lines = self._in_tables([ln for ln in self.lines if ln.subject_code == code and _is_total(ln.column)])
        totals = {(ln.table_no, ln.year, ln.column): ln for ln in self.lines if not ln.subject_code}
        shown = []
        for ln in sorted(lines, key=lambda b: (b.year, _TABLE_PREFERENCE.index(b.table_no)
                                               if b.table_no in _TABLE_PREFERENCE else 99)):
            whole = totals.get((ln.table_no, ln.year, ln.column))
            if whole is None or not whole.amount or any(y == ln.year for y, _ in shown):
                continue
            ratio = percent(ln.amount, whole.amount)
            shown.append((ln.year, f"{ln.year}年{ln.amount_text}÷{whole.amount_text}={ratio}"))
            self.draft.cite(ln.source_row_id, whole.source_row_id)
        if not shown:
            return False
        first = lines[0]
        table = f"{TABLE_NAMES.get(first.table_no, '')}{first.table_title}"
        self.draft.lines.append(f"{code} {first.subject_name}占{table}合计的比重："
                                + "；".join(text for _, text in shown) + "；")
        return True

    def _largest_item(self, q: str) -> bool:
        """"商品和服务支出里哪一项最大", "项目支出按部门经济分类哪一科目最多": the top line among items.

        The items are the named subject's children, else the detail lines (codes of
        five or more digits) of the tables the question names by title or by 基本支出 /
        项目支出; the table's total column of the disclosure's year is compared.
        """
        least = bool(re.search(r"最小|最少|最低", q))
        pool = self._in_tables([ln for ln in self.lines if ln.subject_code and ln.year == self.doc.year
                                and _is_total(ln.column)])
        named = self._names_in(q, pool)
        if named:
            pool = [ln for ln in pool if ln.subject_code not in named
                    and any(ln.subject_code.startswith(c) for c in named)]
        else:
            pool = [ln for ln in pool if len(ln.subject_code) >= 5]
        if not pool or (not named and not self.tables and not re.search(r"基本支出|项目支出", q)):
            return False
        pick = (min if least else max)(pool, key=lambda ln: ln.amount or 0)
        word = "最少" if least else "最多"
        parent = {ln.subject_code: ln.subject_name for ln in self.lines if ln.subject_code in named}
        under = "、".join(f"{c} {n}" for c, n in sorted(parent.items()) if pick.subject_code.startswith(c))
        self.draft.lines.append(f"{under + '下' if under else ''}金额{word}的是{pick.subject_code} "
                                f"{pick.subject_name}{pick.amount_text}万元（{_table_label(pick)}）；")
        self.draft.cite(pick.source_row_id)
        self.draft.rows.append(_line_row(pick))
        return True

    def _which_figure(self, q: str, figures: tuple[str, ...]) -> bool:
        """"项目支出到底是285.2万还是485.2万": where each figure is stated, so the bases show.

        Each figure is looked up among the narrative figures and the table lines whose
        wording the question shares; both are reported with their sources, neither is chosen.
        """
        found = []
        for figure in figures:
            value = Decimal(figure)
            fact = next((f for f in self.facts if f.amount == value
                         and covered(q, f.item, f.topic) >= FACT_FLOOR), None)
            line = next((ln for ln in self.lines if ln.amount == value
                         and covered(q, ln.subject_name, ln.column, ln.table_title) >= FACT_FLOOR), None)
            if fact is not None:  # the narrative's own wording first, else the table line
                found.append(f"{figure}万元是说明中的“{fact.topic}”{fact.item}（{fact.year}年）")
                self.draft.cite(fact.source_row_id)
            elif line is not None:
                found.append(f"{figure}万元是{_table_label(line)}的“{line.subject_name}”")
                self.draft.cite(line.source_row_id)
        if not found:
            return False
        self.draft.lines.append("两个数出处不同：" + "；".join(found) + "。口径以各自所在的表或说明为准；")
        return True

    def _changes_ranked(self, q: str) -> bool:
        """"表五里比上年增加最多的项级科目", "有几个科目比上年减少了": subjects ranked by their change.

        Only subjects the tables give for two years count; the level (类 3 digits,
        款 5, 项 7) is the one the question names, 项 by default.
        """
        digits = next((n for word, n in (("类级", 3), ("款级", 5), ("项级", 7)) if word in q), 7)
        by_code: dict[str, dict[int, object]] = {}
        for ln in sorted(self.lines, key=lambda b: _TABLE_PREFERENCE.index(b.table_no)
                         if b.table_no in _TABLE_PREFERENCE else 99):
            if ln.subject_code and len(ln.subject_code) == digits and _is_total(ln.column):
                by_code.setdefault(ln.subject_code, {}).setdefault(ln.year, ln)
        pairs = [sorted(years.items()) for years in by_code.values() if len(years) > 1]
        changes = [(b.amount - a.amount, a, b) for (_, a), (_, b) in (p[:2] for p in pairs)]
        if not changes:
            return False
        down = bool(re.search(r"减少|下降|压减|降幅|降", q))
        moved = sorted((c for c in changes if (c[0] < 0 if down else c[0] > 0)), key=lambda c: abs(c[0]),
                       reverse=True)
        word = "减少" if down else "增加"
        level = {3: "类级", 5: "款级", 7: "项级"}[digits]
        def line(c) -> str:
            diff, a, b = c
            years = f"{a.year}年{a.amount_text}万元→{b.year}年{b.amount_text}万元"
            moved_by = computed(abs(diff), [a.amount_text, b.amount_text])
            return f"{b.subject_code} {b.subject_name}（{years}，{word}{moved_by}万元）"
        if re.search(r"最多|最大|最快", q) and moved:
            self.draft.lines.append(f"比上年{word}最多的{level}科目是" + line(moved[0]) + "；")
            shown = moved[:1]
        else:
            self.draft.lines.append(f"比上年{word}的{level}科目共{len(moved)}个" +
                                    ("：" + "；".join(line(c) for c in moved) if moved else "") + "；")
            shown = moved
        for _, a, b in shown:
            self.draft.cite(a.source_row_id, b.source_row_id)
            self.draft.rows += [_line_row(a), _line_row(b)]
        return True

    def _projects(self, q: str) -> bool:
        """The department's own project forms (表十五/表十六): names and budgets.

        Asked for 重点项目, the disclosure's own note that it has none ("本部门无一级
        重点项目") is the answer; the forms it does have are then named as 一般项目.
        """
        if "重点项目" in q:
            notes = [r for r in self.runner.rows(
                select(m.SourceRow.id, m.SourceRow.text)
                .where(m.SourceRow.document_id == self.doc.document_id, m.SourceRow.block == "paragraph"))
                if re.search(r"无.{0,6}重点项目", r["text"])]
            if notes:
                self.draft.lines.append("重点项目：" + "；".join(r["text"].strip() for r in notes) + "；")
                self.draft.cite(*[r["id"] for r in notes])
        rows = self.runner.rows(
            select(m.FundForm.name, m.FundForm.budget_text, m.FundForm.name_row_id, m.FundForm.budget_row_id)
            .where(m.FundForm.document_id == self.doc.document_id, m.FundForm.program == PROGRAM_DEPT)
            .order_by(m.FundForm.id)
        )
        if not rows:
            return False
        listing = "；".join(f"{r['name']}{r['budget_text']}万元" for r in rows)
        kind = "一般项目" if "重点项目" in q else "项目"
        self.draft.lines.append(f"本部门的{kind}绩效目标表共{len(rows)}个项目：{listing}；")
        for r in rows:
            self.draft.cite(r["name_row_id"], r["budget_row_id"])
        return True


    # ----- one part of the question --------------------------------------------------
    def _part(self, raw: str, text: str, whole: str, years: list[int]) -> bool:
        codes = {c for c in _CODE.findall(text) if any(
            ln.subject_code == c for ln in self.lines)}
        if codes:
            return self._subjects(codes, whole, years)
        subjects = self._subject_names(text)
        columns = self._columns(text)
        if columns and not subjects and self._column_totals(columns):
            return True
        if WHY_OR_USE.search(raw) and not subjects and self._fact(text, whole, years):
            return True
        if not subjects and self.tables and self._table_total(text, years):
            return True
        if subjects and CHANGE.search(whole) and not self._has_years(subjects) and self._fact(
            text, whole, years
        ):
            return True  # a change the tables cannot show (one year only) but the narrative states
        missing_year = years and not any(ln.year in years for ln in self.lines if ln.subject_code in subjects)
        if subjects and missing_year and self._fact(text, whole, years):
            return True  # "2023年公务用车运行维护费": no 2023 column, but the narrative implies it
        if subjects and (self.tables or not self._facts_beat_subjects(raw, subjects)):
            return self._subjects(subjects, whole, years)
        if self.last_topic and WHICH_ITEM.search(raw) and self._changed_items(raw):
            return True
        if self.last_codes and (CHANGE.search(raw) or years_in(raw) or _RELATIVE_YEAR.search(raw)) and (
                self._has_years(self.last_codes)):
            return self._subjects(self.last_codes, raw, years)  # "…23年多少，今年多少，增减多少"
        if self._fact(text, whole, years):
            return True
        return self._change_of_last(raw)


    def _table_total(self, text: str, years: list[int]) -> bool:
        """A named table's total row in a column the question names (支出预算总表里的项目支出).

        Only the year asked for counts: a table without that year's column does
        not answer "去年的…", however well its title matches.
        """
        if len(self.tables) != 1:
            return False  # "基本支出" alone names two tables: the narrative's figure answers better
        wanted = set(years) or {self.doc.year}
        totals = [ln for ln in self.lines if ln.table_no in self.tables and not ln.subject_code
                  and ln.year in wanted]
        named = [ln for ln in totals if ln.column.rsplit("/", 1)[-1] in text]
        if not named:
            return False
        for line in sorted(named, key=lambda ln: text.find(ln.column.rsplit("/", 1)[-1])):
            self.draft.lines.append(f"{TABLE_NAMES.get(line.table_no, '')}{line.table_title}"
                                    f"{line.subject_name}行的{line.column}：{line.amount_text}万元；")
            self.draft.cite(line.source_row_id)
            self.draft.rows.append(_line_row(line))
        return True


    def _has_years(self, codes: set[str]) -> bool:
        """Whether the tables give these subjects for more than one year."""
        return len({ln.year for ln in self.lines if ln.subject_code in codes}) > 1

    def _columns(self, text: str) -> list[str]:
        """Columns of the 基本支出 tables named in the question (人员经费, 日常公用经费)."""
        # two-sided summary tables (收入/…, 支出/…) break totals down by funding source; their
        # columns are answered better by the narrative figures, so only spending columns count
        paths = {ln.column for ln in self.lines if "/" in ln.column
                 and not ln.column.startswith(("收入/", "支出/"))}
        hits = [p for p in paths if p.rsplit("/", 1)[1] in text and not _is_total(p)]
        return sorted(hits, key=lambda p: text.find(p.rsplit("/", 1)[1]))

    def _column_totals(self, columns: list[str]) -> bool:
        done = False
        for column in columns:
            line = next((ln for ln in self.lines if ln.column == column
                         and ln.subject_name.endswith(("合计", "总计"))), None)
            if line is None:
                continue
            label = column.replace("/", "中的")
            self.draft.lines.append(f"{label}{line.amount_text}万元（{TABLE_NAMES.get(line.table_no, '')}"
                                    f"{line.table_title}合计行）；")
            self.draft.cite(line.source_row_id)
            self.draft.rows.append(_line_row(line))
            done = True
        return done

    def _subject_names(self, text: str) -> set[str]:
        """Subject codes whose name the question states (longest names first), in named tables first."""
        return self._names_in(text, self._in_tables(self.lines)) or self._names_in(text, self.lines)

    @staticmethod
    def _names_in(text: str, lines: list) -> set[str]:
        """Codes of the subjects the text names, in full or by the tail of the name.

        Where one match lies inside another ("职业年金缴费" inside "职业年金缴费支出", the
        tail of 机关事业单位职业年金缴费支出), the longer one is meant; on the same
        characters a name in full beats a tail.
        """
        names: dict[str, set[str]] = {}
        for ln in lines:
            if ln.subject_code and len(ln.subject_name) >= 2:
                names.setdefault(ln.subject_name, set()).add(ln.subject_code)
        plain = text.replace("的", "")
        found: list[tuple[int, int, bool, str]] = []  # (start, end, in full, name)
        for n in names:
            if n in text:
                found.append((text.find(n), text.find(n) + len(n), True, n))
            elif n.replace("的", "") in plain:
                found.append((-1, -1, True, n))  # "对事业单位的经常性补助": no span in the text itself
            elif tail := _tail_named(n, text):
                found.append((text.find(tail), text.find(tail) + len(tail), False, n))

        def beaten(a: tuple[int, int, bool, str]) -> bool:
            return any(b is not a and b[0] <= a[0] and a[1] <= b[1] and a[0] >= 0 and (
                (b[1] - b[0]) > (a[1] - a[0]) or (b[2] and not a[2])) for b in found)

        return {c for a in found if not beaten(a) for c in names[a[3]]}

    def _facts_beat_subjects(self, text: str, codes: set[str]) -> bool:
        best_fact = max((shared_length(f.topic + f.item, text)
                         for f in self.facts), default=0)
        best_subject = max((len(ln.subject_name) for ln in self.lines
                            if ln.subject_code in codes), default=0)
        return best_fact > best_subject

    def _subjects(self, codes: set[str], whole: str, years: list[int]) -> bool:
        """Amounts of subject codes: year over year when asked, else one line per classification."""
        wants_change = bool(CHANGE.search(whole)) or len(years) > 1
        self.last_codes = set(codes)
        for code in sorted(codes, key=len):
            lines = self._in_tables([ln for ln in self.lines if ln.subject_code == code])
            if not wants_change and self._basic_and_project(lines):
                continue
            by_year: dict[int, object] = {}
            for line in sorted(lines, key=lambda b: _TABLE_PREFERENCE.index(b.table_no)
                               if b.table_no in _TABLE_PREFERENCE else 99):
                if _is_total(line.column) and line.year not in by_year:
                    by_year[line.year] = line
            name = lines[0].subject_name
            if wants_change and len(by_year) > 1:
                (y0, a), (y1, b) = sorted(by_year.items())[:2]
                diff = b.amount - a.amount
                verb = "增加" if diff > 0 else "减少" if diff < 0 else "持平"
                rate = f"，{'增长' if diff > 0 else '下降'}{percent(abs(diff), a.amount)}" if (
                    PERCENT.search(whole) and diff) else ""
                self.draft.lines.append(
                    f"{code} {name}：{y0}年{a.amount_text}万元，{y1}年{b.amount_text}万元，"
                    f"{verb}{computed(abs(diff), [a.amount_text, b.amount_text])}万元{rate}"
                    f"（{_table_label(a)}；{_table_label(b)}）；")
                self.draft.cite(a.source_row_id, b.source_row_id)
                self.draft.rows += [_line_row(a), _line_row(b)]
                self.changes[code] = (a.classification, diff, [a.amount_text, b.amount_text])
                self.yearly[code] = (a, b)
                self._split(b, whole)
                continue
            wanted = years[0] if len(years) == 1 else self.doc.year or 0
            if wanted not in by_year and by_year:
                have = "、".join(f"{y}年" for y in sorted(by_year))
                self.draft.lines.append(f"表中没有{code} {name}的{wanted}年数，只有{have}的；")
            chosen = by_year.get(wanted) or by_year.get(self.doc.year or 0) or next(
                iter(by_year.values()), lines[0])
            self.draft.lines.append(
                f"{lines[0].classification or '科目'}{code} {name}{chosen.amount_text}万元"
                f"（{_table_label(chosen)}）；")
            self.draft.cite(chosen.source_row_id)
            self.draft.rows.append(_line_row(chosen))
            self.added[code] = (chosen.classification, chosen.amount, [chosen.amount_text])
            self._split(chosen, whole)
            self._children(chosen, whole)
        if len({ln.classification for ln in self.lines
                if ln.subject_code in codes}) > 1:
            self.draft.lines.append("注意：不同分类科目的统计口径不同，金额不宜混用。")
        self._sum_of_items()
        return True

    def _sum_of_items(self) -> None:
        """"水电费一共多少", "两项合起来增加多少": the items' total, or their changes' total.

        Only for items of one classification (adding a 功能分类 line to a 经济分类
        line would count the same money twice), and only when a total was asked.
        """
        if not _TOTAL_ASKED.search(self.question):
            return
        pairs = list(self.yearly.values())
        if len(pairs) >= 2 and len({a.classification for a, _ in pairs}) == 1 and len(
                {(a.year, b.year) for a, b in pairs}) == 1:  # "两类合计，2023年和2024年各是多少"
            (y0, y1) = (pairs[0][0].year, pairs[0][1].year)
            earlier, later = [a for a, _ in pairs], [b for _, b in pairs]
            before = computed(sum((a.amount for a in earlier), Decimal(0)), [a.amount_text for a in earlier])
            after = computed(sum((b.amount for b in later), Decimal(0)), [b.amount_text for b in later])
            self.draft.lines.append(f"以上{len(pairs)}项合计：{y0}年{before}万元，{y1}年{after}万元；")
        for found, what in ((self.added, "合计"), (self.changes, "合计变动")):
            items = list(found.values())
            if len(items) < 2 or len({c for c, _, _ in items}) != 1:
                continue
            total = sum((a for _, a, _ in items), Decimal(0))
            texts = [t for _, _, ts in items for t in ts]
            sign = (total > 0) - (total < 0)
            verb = "" if what == "合计" else {1: "（增加）", -1: "（减少）", 0: "（持平）"}[sign]
            self.draft.lines.append(f"以上{len(items)}项{what}{computed(abs(total), texts)}万元{verb}；")

    def _split(self, line, whole: str) -> None:
        """The line's parts in its own table when asked ("基本支出和项目支出各多少", "算基本还是项目")."""
        parts = [ln for ln in self.lines if ln.table_no == line.table_no and ln.year == line.year
                 and ln.subject_code == line.subject_code and ln.column != line.column and ln.amount
                 and ln.column.rsplit("/", 1)[-1] not in ("总计", "合计", "小计")]
        # "各多少" alone may mean years; the parts are asked for when their names are
        if not parts or not (_SPLIT_EXPLICIT.search(whole) or any(
                ln.column.rsplit("/", 1)[-1] in whole for ln in parts)):
            return
        self.detailed = True
        listing = "，".join(f"{ln.column.rsplit('/', 1)[-1]}{ln.amount_text}万元" for ln in parts)
        self.draft.lines.append(f"其中{listing}；")
        self.draft.cite(*[ln.source_row_id for ln in parts])
        self.draft.rows += [_line_row(ln) for ln in parts]

    def _children(self, line, whole: str) -> None:
        """The subjects under a class code when asked what it consists of ("具体是什么补助")."""
        if not _DETAIL.search(whole):
            return
        kids = [ln for ln in self.lines if ln.table_no == line.table_no and ln.year == line.year
                and ln.column == line.column and ln.subject_code and ln.subject_code != line.subject_code
                and ln.subject_code.startswith(line.subject_code)]
        if kids:
            self.detailed = True
            listing = "，".join(f"{ln.subject_code} {ln.subject_name}{ln.amount_text}万元" for ln in kids)
            self.draft.lines.append(f"明细：{listing}；")
            self.draft.cite(*[ln.source_row_id for ln in kids])
            self.draft.rows += [_line_row(ln) for ln in kids]

    def _basic_and_project(self, lines: list) -> bool:
        """An economic item that both the 基本支出 and the 项目支出 table hold: each, and their sum."""
        year = self.doc.year
        parts: dict[str, object] = {}
        for ln in lines:
            kind = ln.table_title[:4]
            if kind in ("基本支出", "项目支出") and _is_total(ln.column) and ln.year == year:
                parts.setdefault(kind, ln)
        if len(parts) < 2:
            return False
        a, b = parts["基本支出"], parts["项目支出"]
        self.added[a.subject_code] = (a.classification, a.amount + b.amount, [a.amount_text, b.amount_text])
        total = computed(a.amount + b.amount, [a.amount_text, b.amount_text])
        self.draft.lines.append(
            f"{a.classification}{a.subject_code} {a.subject_name}：基本支出{a.amount_text}万元"
            f"（{_table_label(a)}），项目支出{b.amount_text}万元（{_table_label(b)}），合计{total}万元；")
        self.draft.cite(a.source_row_id, b.source_row_id)
        self.draft.rows += [_line_row(a), _line_row(b)]
        return True









    def _subjects_of_topic(self, topic: str) -> None:
        """For "用在什么科目": the subject lines of the table whose title shares the topic's words."""
        titles = {ln.table_no: ln.table_title for ln in self.lines}
        scored = sorted(((shared_length(t, topic), no) for no, t in titles.items()), reverse=True)
        if not scored or scored[0][0] < 4:
            return
        table = scored[0][1]
        subjects = list({ln.subject_code: ln for ln in reversed(self.lines)
                         if ln.table_no == table and ln.subject_code and ln.year == self.doc.year
                         and _is_total(ln.column)}.values())[::-1]
        if subjects:
            listing = "，".join(f"{b.subject_code} {b.subject_name} {b.amount_text}万元" for b in subjects)
            self.draft.lines.append(f"支出科目（{TABLE_NAMES.get(table, '')}{titles[table]}）：{listing}；")
            self.draft.cite(*[b.source_row_id for b in subjects])


def _tail_named(name: str, text: str) -> str:
    """The tail of a subject's name the question uses, six characters or more, from a word start.

    "职业年金缴费支出" names 机关事业单位职业年金缴费支出; a shorter tail ("运行") would name
    too many subjects to mean one.  Empty when the question uses none.
    """
    for start in range(1, len(name) - 5):
        tail = name[start:]
        if tail in text and on_word_bounds(tail, name):
            return tail
    return ""








def _table_label(b) -> str:
    """Which table and column a line comes from, for the reader to find it."""
    return f"{TABLE_NAMES.get(b.table_no, '')}{b.table_title}，{b.year}年{b.column}"


def _line_row(b) -> dict:
    return {"表": TABLE_NAMES.get(b.table_no, b.table_no), "科目编码": b.subject_code,
            "科目名称": b.subject_name, "年度": b.year, "栏目": b.column, "金额": b.amount_text}

