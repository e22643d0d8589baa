"""The words that link a question to the store: departments, funds, groups and terms.

Built from the database's own vocabulary (every department spelling, every fund
name from the catalog and the forms) plus the reviewed abbreviations in
``assistant/lexicon/aliases.tsv``.  Linking is longest-match first for exact names, then
fuzzy (longest common substring over the distinctive part of a fund name) so
"创新激励扶持专项" still finds 科技创新激励扶持专项.  A partial match must start and
end on word boundaries of the fund's name (jieba's cut), so "一般行政管理事务"
does not link to 财政管理改革专项 through the accidental overlap "政管理".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db import models as m
from db.records import PROGRAM_DEPT_WHOLE

ALIASES = Path(__file__).resolve().parent / "lexicon" / "aliases.tsv"
_REGION = re.compile(
    r"^(中共|中国共产主义青年团)?(重庆市)?(綦江区)?(万盛经济技术开发区)?(人民政府)?(工作委员会)?"
)
_TAIL = re.compile(r"(人民政府|办事处)$")
_GENERIC = {"专项", "专项资金", "资金", "项目", "管理", "发展", "建设", "服务", "重点专项", "重点",
            "绩效目标", "绩效", "目标", "整体绩效"}
_WHOLE_FORM_NAMES = {"部门整体绩效目标", "整体绩效目标", "部门整体绩效", "整体绩效"}
jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not the user's business


@dataclass
class Department:
    id: int
    code: str | None
    name: str
    names: set[str] = field(default_factory=set)


@dataclass
class Fund:
    id: int
    name: str
    names: set[str]
    department_id: int | None
    program: str


@dataclass
class Span:
    """Where a linked entity was found in the question."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def short_names(name: str) -> set[str]:
    """Names staff use for a department: without the region prefix, and without 人民政府/办事处."""
    out = {name}
    core = _REGION.sub("", name)
    if len(core) >= 2:
        out.add(core)
        tail = _TAIL.sub("", core)
        if len(tail) >= 2:
            out.add(tail)
    return out


def display_name(name: str) -> str:
    """The short name shown in answers (卫生健康局, 黑山镇); the full name when too short to say."""
    core = _TAIL.sub("", _REGION.sub("", name))
    return core if len(core) >= 2 and core not in {"委员会"} else name


def _core(fund_name: str) -> str:
    """The distinctive part of a fund name (without the 专项/专项资金 suffix)."""
    return re.sub(r"(专项资金|专项)$", "", fund_name)


@lru_cache(maxsize=4096)
def word_bounds(text: str) -> frozenset[int]:
    """Offsets where a word of ``text`` starts or ends (jieba's precise cut)."""
    bounds, pos = {0}, 0
    for word in jieba.cut(text, HMM=False):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


def on_word_bounds(piece: str, text: str) -> bool:
    """Whether ``piece`` occurs in ``text`` starting and ending where words do."""
    bounds = word_bounds(text)
    start = text.find(piece)
    while start >= 0:
        if start in bounds and start + len(piece) in bounds:
            return True
        start = text.find(piece, start + 1)
    return False


def load_aliases(path: Path = ALIASES) -> list[tuple[str, str, str]]:
    """(kind, alias, target) rows of the reviewed alias file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, alias, target = line.split("\t")[:3]
        rows.append((kind.strip(), alias.strip(), target.strip()))
    return rows


class Vocabulary:
    """Everything linkable, loaded once from the primary documents of the store."""

    def __init__(self, engine: Engine) -> None:
        aliases = load_aliases()
        self.terms = [(a, t) for k, a, t in aliases if k == "term"]
        self.groups = {a: t for k, a, t in aliases if k == "group"}
        with Session(engine) as session:
            primary = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))
            self.funds = [
                Fund(f.id, f.name, {f.name} | ({f.catalog_name} if f.catalog_name else set()),
                     f.department_id, f.program)
                for f in session.scalars(select(m.Fund).where(m.Fund.document_id.in_(primary)))
            ]
            self.contact_names: set[str] = set()
            for form in session.scalars(select(m.FundForm).where(m.FundForm.document_id.in_(primary))):
                if form.contact and len(form.contact) >= 2:
                    self.contact_names.add(form.contact)
                for fund in self.funds:
                    if fund.id == form.fund_id and form.name:
                        fund.names.add(form.name)
            abbreviations = [(a, t) for k, a, t in aliases if k == "abbreviation"]
            for fund in self.funds:
                if fund.program == PROGRAM_DEPT_WHOLE:  # the department's own overall form
                    fund.names |= _WHOLE_FORM_NAMES
                fund.names |= {n.replace(full, short) for n in fund.names for short, full in abbreviations
                               if full in n}
            subjects = session.execute(
                select(m.BudgetLine.subject_code, m.BudgetLine.subject_name)
                .where(m.BudgetLine.document_id.in_(primary), m.BudgetLine.subject_code.is_not(None))
                .distinct()
            )
            # words of the department-budget tables: codes and subject names (卫生健康支出, 2210201)
            self.subject_words = {w for row in subjects for w in row if w and len(w) >= 3}
            used = {f.department_id for f in self.funds} | set(
                session.scalars(select(m.Document.department_id).where(m.Document.id.in_(primary)))
            )
            self.departments: dict[int, Department] = {}
            for d in session.scalars(select(m.Department).where(m.Department.id.in_(used))):
                dept = Department(d.id, d.code, d.name, short_names(d.name))
                spellings = session.scalars(
                    select(m.DepartmentName.name).where(m.DepartmentName.department_id == d.id)
                )
                for spelling in spellings:
                    dept.names |= short_names(spelling)
                self.departments[d.id] = dept
        for kind, alias, target in aliases:
            if kind != "department":
                continue
            for dept in self.departments.values():
                if target in dept.name:
                    dept.names.add(alias)

    # ----- departments -------------------------------------------------------------
    def link_departments(self, q: str) -> list[tuple[Department, Span]]:
        """Departments named in the question, longest names first, no overlapping spans."""
        candidates = sorted(
            ((len(n), n, d) for d in self.departments.values() for n in d.names if len(n) >= 2),
            key=lambda t: -t[0],
        )
        found: list[tuple[Department, Span]] = []
        for _, name, dept in candidates:
            for mt in re.finditer(re.escape(name), q):
                span = Span(mt.start(), mt.end())
                if any(span.overlaps(s) for _, s in found):
                    continue
                if all(d.id != dept.id for d, _ in found):
                    found.append((dept, span))
        return sorted(found, key=lambda t: t[1].start)

    def group_members(self, q: str, inside: list[Span] | None = None) -> tuple[str, list[Department]] | None:
        """A department group named in the question (镇街 → codes 101-110), not within ``inside`` spans.

        The group named first counts ("镇街按合计排，第五名是哪个镇" ranks 镇街, not only 镇);
        a group word inside a linked department's name ("东林街道") names no group.
        """
        def free(alias: str) -> int:
            for mt in re.finditer(re.escape(alias), q):
                if not any(s.start <= mt.start() and mt.end() <= s.end for s in inside or []):
                    return mt.start()
            return -1

        for alias in sorted((a for a in self.groups if free(a) >= 0), key=lambda a: (free(a), -len(a))):
            rule = self.groups[alias]
            kind, _, value = rule.partition(":")
            if kind == "code":
                lo, _, hi = value.partition("-")
                members = [
                    d for d in self.departments.values()
                    if d.code and d.code.isdigit() and int(lo) <= int(d.code) <= int(hi)
                ]
            else:
                members = [d for d in self.departments.values() if value in d.name]
            if members:
                return alias.replace("哪个", "各"), members
        return None

    # ----- funds -------------------------------------------------------------------
    def link_funds(
        self, q: str, department_ids: set[int] | None = None, inside: list[Span] | None = None
    ) -> list[tuple[Fund, Span, float]]:
        """Funds named in the question: exact names first, then the best partial matches.

        Matches lying wholly inside a department's name (老干部服务 in 老干部服务管理中心)
        are not funds.
        """
        pool = [
            f for f in self.funds
            if (not department_ids or f.department_id in department_ids)
        ]
        blocked = inside or []
        found: list[tuple[Fund, Span, float]] = []

        def take(fund: Fund, span: Span, score: float) -> None:
            if any(span.overlaps(s) for _, s, _ in found) or any(f.id == fund.id for f, _, _ in found):
                return
            if any(b.start <= span.start and span.end <= b.end for b in blocked):
                return
            found.append((fund, span, score))

        exact = sorted(
            ((len(n), n, f) for f in pool for n in f.names | {_core(x) for x in f.names}
             if len(_core(n)) >= 2),
            key=lambda t: -t[0],
        )
        for _, name, fund in exact:
            pos = q.find(name)
            if pos >= 0 and name not in _GENERIC and len(name) >= 3:
                take(fund, Span(pos, pos + len(name)), 1.0)
        for fund, span, score in self._partial(q, pool):
            take(fund, span, score)
        return sorted(found, key=lambda t: t[1].start)

    def _partial(self, q: str, pool: list[Fund]) -> list[tuple[Fund, Span, float]]:
        """Partial names: the longest common substring must cover most of the name's core."""
        scored = []
        for fund in pool:
            best = (0.0, Span(0, 0))
            for name in fund.names:
                core = _core(name)
                sub, start = longest_common_substring(core, q)
                if len(_core(sub)) < 3 or sub in _GENERIC or not on_word_bounds(sub, core):
                    continue
                score = len(sub) / len(core)
                if score > best[0]:
                    best = (score, Span(start, start + len(sub)))
            if best[0] >= 0.5:
                scored.append((fund, best[1], best[0]))
        scored.sort(key=lambda t: -t[2])
        return scored

    def funds_sharing(self, text: str, shortest: int = 3) -> tuple[str, list[Fund]]:
        """Every fund whose name contains the distinctive part of ``text`` (a keyword group).

        ``shortest`` guards against words too short to mean anything; a word the
        question quotes ("名称里带“惠民”的") may be as short as two characters.
        """
        core = _core(text)
        if len(core) < shortest:
            return core, []
        return core, [f for f in self.funds if any(core in n for n in f.names)]

    def fund(self, fund_id: int) -> Fund | None:
        return next((f for f in self.funds if f.id == fund_id), None)

    def names_contact(self, q: str) -> bool:
        """Whether the question names a person registered as a form's 联系人."""
        return any(name in q for name in self.contact_names)

    def names_subject(self, q: str) -> bool:
        """Whether the question names a subject code or subject of a department budget table.

        A number followed by 万/元/个/% is an amount or a count ("不到310万"), not a code.
        """
        plain = re.sub(r"\d+(?:\.\d+)?\s*(?:万|元|个|%|％|人|户|次)", " ", q)
        return any(w in plain for w in self.subject_words)

    def term_expansions(self, q: str) -> list[str]:
        """Document wordings for colloquial terms in the question (三公 → “三公”经费)."""
        return [t for a, t in self.terms if a in q]


def longest_common_substring(a: str, b: str) -> tuple[str, int]:
    """The longest substring of ``a`` that occurs in ``b``, and where it starts in ``b``."""
    best, where = "", -1
    for i in range(len(a)):
        for j in range(len(a), i + len(best), -1):
            piece = a[i:j]
            pos = b.find(piece)
            if pos >= 0:
                best, where = piece, pos
                break
    return best, where

