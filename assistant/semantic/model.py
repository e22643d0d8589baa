"""The semantic model: what the store holds, as the names a question can use for it.

Built from the primary documents of the store (never from the sample corpus
in code): departments with every spelling seen and the short names staff use,
the department groups of ``groups.tsv``, funds with their catalog and form
names, indicator names, contacts, the labels of department-budget figures, the
years held per document kind, and the synonyms staff taught.  A 2025
compilation or another district's documents produce another model; nothing
here knows a particular document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.lexicon import Lexicon, normalise
from assistant.semantic.query import FigureKey
from db import models as m
from db.records import DEPT_BUDGET, PROGRAM_DEPT_WHOLE, PROGRAM_KEY, SPECIAL_FUNDS

# the part of a fund name that says what kind of thing it is, not which one
# a prefix counts as a region or parent-body prefix when this many departments share it
SHARED_PREFIX_MIN = 2


@dataclass
class Department:
    """A department with every name a question may use for it."""

    id: int
    code: str | None
    name: str
    short: str
    names: set[str] = field(default_factory=set)


@dataclass
class Fund:
    """A fund (key special fund or a department's own project) with the names it goes by."""

    id: int
    name: str
    department_id: int | None
    year: int | None
    program: str
    names: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FigureLabel:
    """A label of department-budget figures: a subject, code, column, table or narrative item."""

    text: str
    kinds: frozenset[str]


def short_name(name: str, shared: set[str], suffixes: tuple[str, ...]) -> str:
    """A department's everyday name: the longest prefix it shares with other departments
    (region, parent body) and a trailing 人民政府/办事处 removed."""
    best = ""
    for prefix in shared:
        if name.startswith(prefix) and len(prefix) > len(best) and len(name) - len(prefix) >= 2:
            best = prefix
    core = name[len(best):]
    for suffix in suffixes:
        if core.endswith(suffix) and len(core) - len(suffix) >= 2:
            return core[: -len(suffix)]
    return core


def after_levels(name: str, levels: set[str], tails: tuple[str, ...]) -> set[str]:
    """The parts of a full name after each administrative level character (市, 区, 县 …), with a
    trailing 人民政府/办事处 dropped too; only parts of three or more characters."""
    out = set()
    for i, ch in enumerate(name[:-3]):
        if ch in levels:
            rest = name[i + 1 :]
            out.add(rest)
            out |= {rest[: -len(t)] for t in tails if rest.endswith(t) and len(rest) - len(t) >= 2}
    return {n for n in out if len(n) >= 3}


def shared_prefixes(spellings: list[set[str]]) -> set[str]:
    """Prefixes (4+ characters) that the names of at least ``SHARED_PREFIX_MIN`` departments start with
    (each department counted once, whatever its number of spellings)."""
    counts: Counter[str] = Counter()
    for names in spellings:
        counts.update({name[:i] for name in names for i in range(4, len(name) - 1)})
    return {p for p, n in counts.items() if n >= SHARED_PREFIX_MIN}


class SemanticModel:
    """Everything a question can name, loaded once per store state."""

    def __init__(self, engine: Engine, lexicon: Lexicon, taught: list[tuple[str, str]] | None = None) -> None:
        self.lexicon = lexicon
        with Session(engine) as session:
            primary = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))
            self._load_documents(session, primary)
            self._load_departments(session, primary)
            self._load_funds(session, primary)
            self._load_indicators(session, primary)
            self._load_figures(session, primary)
        self.groups = {
            word: {d.id for d in self.departments.values() if rule.admits(d.name)}
            for word, rule in lexicon.groups.items()
        }
        self.groups = {w: ids for w, ids in self.groups.items() if ids}
        self.taught = {normalise(a): normalise(t) for a, t in (taught or [])}

    # ----- loading ------------------------------------------------------------------------
    def _load_documents(self, session: Session, primary) -> None:
        self.years: dict[str, set[int]] = defaultdict(set)
        self.budget_departments: dict[int, set[int]] = defaultdict(set)  # department → years disclosed
        for kind, year, dept in session.execute(
            select(m.Document.kind, m.Document.year, m.Document.department_id)
            .where(m.Document.id.in_(primary))
        ):
            if year is not None:
                self.years[kind].add(year)
            if kind == DEPT_BUDGET and dept is not None and year is not None:
                self.budget_departments[dept].add(year)

    def _load_departments(self, session: Session, primary) -> None:
        used = set(session.scalars(select(m.Fund.department_id).where(m.Fund.document_id.in_(primary))))
        used |= set(self.budget_departments)
        rows = session.scalars(select(m.Department).where(m.Department.id.in_(used))).all()
        spellings: dict[int, set[str]] = defaultdict(set)
        for dept_id, name in session.execute(
            select(m.DepartmentName.department_id, m.DepartmentName.name)
            .where(m.DepartmentName.department_id.in_(used))
        ):
            spellings[dept_id].add(name)
        shared = shared_prefixes([{d.name} | spellings[d.id] for d in rows])
        tails = self.lexicon.name_tails
        self.departments: dict[int, Department] = {}
        for d in rows:
            dept = Department(d.id, d.code, d.name, short_name(d.name, shared, tails))
            for spelling in {d.name} | spellings[d.id]:
                dept.names |= {normalise(spelling), normalise(short_name(spelling, shared, tails)),
                               normalise(short_name(spelling, shared, ()))}
            # 管理委员会办公室 of 重庆市…开发区管理委员会办公室: what follows an administrative level
            dept.names |= {normalise(t) for n in list(dept.names) for t in
                           after_levels(n, self.lexicon.admin_levels, tails)}
            # 住房城乡建设局 for 住房和城乡建设局: the joining 和 is often left out
            dept.names |= {n.replace("和", "") for n in dept.names if "和" in n and len(n) > 4}
            self.departments[d.id] = dept
        for alias, target in self.lexicon.department_aliases:
            for dept in self.departments.values():
                if target in dept.name:
                    dept.names.add(alias)

    def _load_funds(self, session: Session, primary) -> None:
        self.funds: dict[int, Fund] = {}
        for f in session.scalars(select(m.Fund).where(m.Fund.document_id.in_(primary))):
            fund = Fund(f.id, f.name, f.department_id, f.year, f.program)
            fund.names = {normalise(n) for n in (f.name, f.catalog_name) if n}
            self.funds[f.id] = fund
        for fund_id, name in session.execute(
            select(m.FundForm.fund_id, m.FundForm.name).where(m.FundForm.document_id.in_(primary))
        ):
            if fund_id in self.funds and name:
                self.funds[fund_id].names.add(normalise(name))
        for fund in self.funds.values():
            dept = self.departments.get(fund.department_id) if fund.department_id else None
            extra = set()
            for name in fund.names:
                extra.add(self.lexicon.core_name(name))
                for short, full in self.lexicon.abbreviations:
                    if full in name:
                        extra.add(name.replace(full, short))
                if dept is not None:  # 民政局社会救助专项 is also 社会救助专项
                    for dname in dept.names:
                        if name.startswith(dname) and len(name) - len(dname) >= 4:
                            extra.add(name[len(dname):])
            fund.names |= ({n for n in extra if len(n) >= 2}
                           | {self.lexicon.core_name(n) for n in extra if len(n) >= 4})

    def _load_indicators(self, session: Session, primary) -> None:
        forms = select(m.FundForm.id).where(m.FundForm.document_id.in_(primary))
        self.indicator_names = {
            normalise(n)
            for n in session.scalars(select(m.Indicator.name).where(m.Indicator.form_id.in_(forms)))
        }
        self.contacts: set[str] = set()
        self.phones: set[str] = set()
        for contact, phone in session.execute(
            select(m.FundForm.contact, m.FundForm.phone).where(m.FundForm.document_id.in_(primary))
        ):
            if contact and len(contact) >= 2:
                self.contacts.add(normalise(contact))
            if phone:
                self.phones.add(normalise(phone))

    def _load_figures(self, session: Session, primary) -> None:
        """The figures of department budgets: every line identity and narrative item, their years,
        and the labels a question can name them by."""
        lines = session.execute(
            select(m.BudgetLine.table_no, m.BudgetLine.subject_code, m.BudgetLine.subject_name,
                   m.BudgetLine.column).where(m.BudgetLine.document_id.in_(primary)).distinct()
        ).all()
        facts = session.execute(
            select(m.StatedFact.topic, m.StatedFact.item)
            .where(m.StatedFact.document_id.in_(primary)).distinct()
        ).all()
        self.figure_keys = [FigureKey("line", t, c, n, col) for t, c, n, col in lines]
        self.figure_keys += [FigureKey("fact", topic=t, item=i) for t, i in facts]
        labels: dict[str, set[str]] = defaultdict(set)
        for key in self.figure_keys:
            for word in key.words() + key.table_words(self.lexicon.tables):
                if len(word) >= 2:
                    labels[word].add(key.source)
        self.figure_labels = {text: FigureLabel(text, frozenset(kinds)) for text, kinds in labels.items()}
        self.figure_years = set(session.scalars(
            select(m.BudgetLine.year).where(m.BudgetLine.document_id.in_(primary)).distinct()))
        self.figure_years |= {y for y in session.scalars(
            select(m.StatedFact.year).where(m.StatedFact.document_id.in_(primary)).distinct()) if y}

    # ----- questions the parser asks --------------------------------------------------------
    def latest_year(self, kind: str | None = None) -> int | None:
        """The newest year held (of one document kind, or of any)."""
        years = self.years.get(kind, set()) if kind else {y for ys in self.years.values() for y in ys}
        return max(years) if years else None

    def key_funds(self) -> list[Fund]:
        """The key special funds (the compilation's catalog and forms), all years."""
        return [f for f in self.funds.values() if f.program == PROGRAM_KEY]

    def department_label(self, dept_id: int | None) -> str:
        """The short name answers use for a department."""
        dept = self.departments.get(dept_id) if dept_id is not None else None
        return dept.short if dept else "（未注明部门）"

    def is_whole_form(self, fund: Fund) -> bool:
        """A department's overall performance form, not a project."""
        return fund.program == PROGRAM_DEPT_WHOLE

    @property
    def kinds(self) -> set[str]:
        """Document kinds held (special funds compilation, department budget)."""
        return set(self.years) | ({SPECIAL_FUNDS} if self.funds else set())
