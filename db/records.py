"""Typed, budget-aware records that recognisers produce from blocks.

They live in ``db`` because the store writes exactly these shapes and must not
import the ingest layer that produces them; ingest and the assistant may both
import downwards into ``db``.

Every record keeps the ``Row`` (or paragraph row) it came from, so the store can
link each fact to its source row.  Amounts are ``Decimal`` and keep the text the
source wrote next to them: answers quote figures "as the source writes them",
and nothing is silently corrected here.  Anything odd found while recognising is
an ``Anomaly`` record rather than a dropped or altered value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from db.blocks import Row
from db.writing import parse_amount

# Document kinds
SPECIAL_FUNDS = "special_funds"  # 重点专项预算绩效 compilation
DEPT_BUDGET = "dept_budget"  # 部门预算 disclosure
GENERIC = "generic"  # anything we do not recognise

# Fund programmes: the zone's key special funds vs. a department's own projects
PROGRAM_KEY = "重点专项"
PROGRAM_DEPT = "部门项目"
PROGRAM_DEPT_WHOLE = "部门整体"


@dataclass
class Anomaly:
    """Something a rule noticed while recognising; ``rows`` are its source locations."""

    kind: str
    message: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class CatalogEntry:
    """One line of the 专项资金目录."""

    seq: int | None
    name: str
    dept_code: str | None
    dept_name: str | None
    amount: Decimal | None
    amount_text: str
    row: Row


@dataclass
class Indicator:
    """One 绩效指标 row.  ``realigned`` marks rows whose columns had to be put back."""

    ordinal: int
    name: str
    nature: str
    value: str
    unit: str
    weight: Decimal | None
    weight_text: str
    is_core: bool | None
    core_text: str
    row: Row
    realigned: bool = False

    @property
    def value_number(self) -> Decimal | None:
        """The target value as a number when the source wrote one (95, 1,000); ``None`` for words
        such as 及时 or 有所提升.  The text stays as written; this is for comparing in SQL."""
        return parse_amount(self.value)


@dataclass
class FundForm:
    """One 绩效目标表 (a fund's or a department project's performance form)."""

    program: str
    seq: int | None
    name: str
    dept_code: str | None
    dept_name: str | None
    dept_text: str
    budget: Decimal | None
    budget_text: str
    overview: str = ""
    goal: str = ""
    contact: str = ""
    phone: str = ""
    rows: dict[str, Row] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)


@dataclass
class BudgetLine:
    """One amount in a 部门预算 standard table: table, subject, year and column."""

    table_no: int
    table_title: str
    classification: str | None
    subject_code: str | None
    subject_name: str
    year: int
    column: str
    amount: Decimal
    amount_text: str
    row: Row


@dataclass
class StatedFact:
    """A figure stated in narrative prose, e.g. 三公经费 44.8 万元, 比2023年减少4万元."""

    topic: str
    item: str
    year: int | None
    amount: Decimal | None
    amount_text: str
    unit: str
    row: Row
    change: str | None = None  # 增加 / 减少 / 持平
    change_amount: Decimal | None = None
    change_text: str = ""
    base_year: int | None = None


@dataclass
class DocumentRecords:
    """Everything recognised in one file."""

    kind: str
    title: str
    year: int | None = None
    unit: str = "万元"
    dept_code: str | None = None
    dept_name: str | None = None
    catalog: list[CatalogEntry] = field(default_factory=list)
    forms: list[FundForm] = field(default_factory=list)
    budget_lines: list[BudgetLine] = field(default_factory=list)
    facts: list[StatedFact] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    tables_found: list[str] = field(default_factory=list)
    # form index -> (catalog index or None, whether the form repeats an already linked entry)
    form_links: dict[int, tuple[int | None, bool]] = field(default_factory=dict)
