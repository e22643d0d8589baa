"""The ``Query``: one question as typed data — never SQL, never the raw text.

A question becomes one or more ``Query`` parts ("农林局有几个专项，合计多少？" is
one part with two outputs; "人社局预算最高的那个专项，联系人是谁？" is a ranking
part and a part about its result).  Every piece is a small frozen dataclass
that can say itself in Chinese (``phrase``) for the restatement; the compiler
turns the same pieces into SQL, so what staff read and what was computed come
from one place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any

from assistant.lexicon import normalise

# what the rows are
FUNDS, DEPARTMENTS, INDICATORS, CONTACTS, FIGURES, DOCUMENTS = (
    "funds", "departments", "indicators", "contacts", "figures", "documents")
OVER_NAMES = {FUNDS: "专项", DEPARTMENTS: "部门", INDICATORS: "绩效指标", CONTACTS: "联系人",
              FIGURES: "部门预算数", DOCUMENTS: "文件"}

# measures: numbers and attributes
AMOUNT, COUNT, WEIGHT, TARGET, FIGURE = "amount", "count", "weight", "target", "figure"
INDICATOR_COUNT = "indicator_count"  # how many indicators a fund's form lists
ATTRIBUTES = ("contact", "phone", "overview", "goal", "department", "name", "seq", "form", "indicators")
MEASURE_NAMES = {
    AMOUNT: "预算金额", COUNT: "个数", WEIGHT: "权重", TARGET: "指标值", FIGURE: "金额",
    INDICATOR_COUNT: "绩效指标条数",
    "contact": "联系人", "phone": "联系电话", "overview": "项目概况", "goal": "当年绩效目标",
    "department": "主管部门", "name": "名称", "seq": "目录序号", "form": "绩效目标表",
    "indicators": "绩效指标",
}

# aggregates
SUM, CNT, AVG, MEDIAN, MAX, MIN = "sum", "count", "avg", "median", "max", "min"
AGG_NAMES = {SUM: "合计", CNT: "个数", AVG: "平均", MEDIAN: "中位数", MAX: "最大", MIN: "最小"}

# bases of a fund amount, and kinds of figure
CATALOG, FORM, BOTH = "catalog", "form", "both"
BASIS_NAMES = {CATALOG: "专项资金目录", FORM: "绩效目标表", BOTH: "目录与绩效目标表"}
BUDGET, ACTUAL = "budget", "actual"

# answer shapes
NUMBER, LIST, WHICH, YESNO, TEXT = "number", "list", "which", "yesno", "text"

OPS = {">": "超过", ">=": "不低于", "<": "低于", "<=": "不超过", "=": "等于"}


@dataclass(frozen=True)
class Bound:
    """A comparison with a number: ``op`` is one of > >= < <= =."""

    op: str
    value: Decimal
    unit: str = "万元"

    def phrase(self) -> str:
        value = f"{self.value.normalize():f}"
        return f"{OPS[self.op]}{value}{self.unit}"


# ----- filters: each says itself -------------------------------------------------------------

@dataclass(frozen=True)
class InDepartments:
    """Rows of these departments (named one by one)."""

    ids: tuple[int, ...]
    names: tuple[str, ...]

    def phrase(self) -> str:
        return "、".join(self.names)


@dataclass(frozen=True)
class InGroup:
    """Rows of a department group (镇街, 区级部门 …).  ``asked`` marks the group a question ranks
    within (哪个镇…): it narrows whatever else is named instead of adding to it."""

    name: str
    ids: tuple[int, ...]
    asked: bool = False

    def phrase(self) -> str:
        return f"{self.name}（{len(self.ids)}个单位）"


@dataclass(frozen=True)
class FundIs:
    """These funds, by name; ``ref`` marks the result of an earlier part of the question."""

    ids: tuple[int, ...]
    names: tuple[str, ...]
    ref: bool = False

    def phrase(self) -> str:
        return ("上一步找到的" if self.ref else "") + "、".join(dict.fromkeys(self.names))


@dataclass(frozen=True)
class NameHas:
    """Funds whose name contains a word (城乡环境管理类专项)."""

    word: str

    def phrase(self) -> str:
        return f"名称含“{self.word}”"


@dataclass(frozen=True)
class SeqIs:
    """The fund with this number (序号) in the catalog of the compilation."""

    seq: int

    def phrase(self) -> str:
        return f"目录序号为{self.seq}"


@dataclass(frozen=True)
class ContactIs:
    """Funds whose form gives this contact person or phone number."""

    contact: str = ""
    phone: str = ""

    def phrase(self) -> str:
        return f"联系人为{self.contact}" if self.contact else f"联系电话为{self.phone}"


@dataclass(frozen=True)
class BasesDiffer:
    """Funds whose catalog figure and form figure disagree (beyond the rounding of the coarser)."""

    def phrase(self) -> str:
        return "目录与绩效目标表金额不一致的专项"


@dataclass(frozen=True)
class AmountIs:
    """A bound on each fund's amount."""

    bound: Bound

    def phrase(self) -> str:
        return f"金额{self.bound.phrase()}"


@dataclass(frozen=True)
class HasIndicator:
    """Funds (or indicators) whose indicators match: name words, core flag, a bound on the value."""

    words: tuple[str, ...] = ()
    core: bool | None = None
    value: Bound | None = None
    weight: Bound | None = None
    exact: str | None = None
    like: str = ""  # named loosely: the indicator of the funds in scope whose name fits best
    unit: str = ""

    def phrase(self) -> str:
        parts = []
        if self.like:
            parts.append(f"与“{self.like}”最相符的")
        if self.exact:
            parts.append(f"“{self.exact}”")
        if self.words:
            parts.append("名称含“" + "”“".join(self.words) + "”")
        if self.core is not None:
            parts.append("核心" if self.core else "非核心")
        text = "".join(parts) + "指标"
        if self.value is not None:
            text += f"目标值{self.value.phrase()}"
        if self.weight is not None:
            text += f"权重{self.weight.phrase()}"
        return text


@dataclass(frozen=True)
class Describes:
    """Funds whose texts are closest in meaning to some words (vector search)."""

    text: str

    def phrase(self) -> str:
        return f"内容与“{self.text}”最相关的专项"


@dataclass(frozen=True)
class FigureKey:
    """What one department-budget figure is, whatever the department or year: a line of a standard
    table (table, subject code and name, column) or an item of the narrative (topic, item)."""

    source: str  # "line" or "fact"
    table_no: int | None = None
    code: str | None = None
    subject: str = ""
    column: str = ""
    topic: str = ""
    item: str = ""

    def label(self) -> str:
        """How an answer names it: 住房公积金（表六，基本支出/人员经费） / 机关运行经费：…运行经费."""
        if self.source == "fact":
            return self.item if self.topic in self.item else f"{self.topic}：{self.item}"
        code = f"{self.code} " if self.code else ""
        return f"{code}{self.subject}（表{self.table_no}，{self.column}）"

    def words(self) -> tuple[str, ...]:
        """Its own wordings, normalised: subject, code and column parts, or topic and item."""
        return _key_words(self)

    def table_words(self, tables: dict) -> tuple[str, ...]:
        """What staff call the table it stands in (功能分类, 三公经费表 …)."""
        table = tables.get(self.table_no) if self.source == "line" else None
        return table.words if table else ()


@functools.cache
def _key_words(key: FigureKey) -> tuple[str, ...]:
    """A key's wordings, normalised once: every question compares them against the whole
    catalogue of keys, so normalising afresh each time is most of the matching cost."""
    if key.source == "fact":
        return (normalise(key.topic), normalise(key.item))
    return (normalise(key.subject), normalise(key.code or ""),
            *(normalise(p) for p in key.column.split("/")))


@dataclass(frozen=True)
class FigureIs:
    """Department-budget figures of these keys; ``display`` is how the question named them."""

    keys: tuple[FigureKey, ...]
    display: str
    context: str = ""  # the words that narrowed it (50205委托业务费 for 基本支出)

    def phrase(self) -> str:
        return self.display


Filter = (InDepartments | InGroup | FundIs | NameHas | SeqIs | ContactIs | BasesDiffer | AmountIs
          | HasIndicator | Describes | FigureIs)


@dataclass(frozen=True)
class Having:
    """A condition on each department's funds taken together (HAVING)."""

    measure: str  # "count" of funds or "sum" of amounts
    bound: Bound

    def phrase(self) -> str:
        if self.measure == CNT:
            return f"专项个数{self.bound.phrase()}"
        return f"专项合计{self.bound.phrase()}"


@dataclass(frozen=True)
class Output:
    """One figure or attribute the question wants: an aggregate of a measure, or the measure itself."""

    measure: str
    agg: str | None = None

    def phrase(self, over: str) -> str:
        name = MEASURE_NAMES.get(self.measure, self.measure)
        if self.measure == COUNT and self.agg is None and over == DEPARTMENTS:
            return f"{OVER_NAMES[FUNDS]}个数"  # each department's number of funds
        if self.measure == COUNT or self.agg == CNT:
            return f"{OVER_NAMES.get(over, '')}个数"
        if self.agg in (SUM, AVG, MEDIAN):
            return f"{name}{AGG_NAMES[self.agg]}" if self.agg != AVG else f"平均{name}"
        return name


@dataclass(frozen=True)
class Order:
    """Ordering: largest first (``desc``) or smallest first; ``limit``/``offset`` pick items;
    ``position_of`` asks where named rows stand in the ranking."""

    desc: bool = True
    limit: int | None = None
    offset: int = 0
    position_of: bool = False

    def phrase(self) -> str:
        way = "从大到小" if self.desc else "从小到大"
        if self.position_of:
            return f"{way}排名中的位置"
        if self.offset:
            return f"{way}第{self.offset + 1}位"
        if self.limit == 1:
            return "最大的" if self.desc else "最小的"
        if self.limit:
            return f"{way}前{self.limit}位"
        return f"{way}排列"


@dataclass(frozen=True)
class Derived:
    """A figure derived from two: ``share`` of a whole, ``multiple`` or ``difference`` against
    another query, ``change`` against a base year."""

    kind: str
    other: Query | None = None
    base_year: int | None = None

    def phrase(self) -> str:
        if self.kind == "change":
            return f"与{self.base_year}年相比的增减" if self.base_year else "增减"
        return {"share": "所占比例", "multiple": "倍数", "difference": "差额",
                "spread": "相差多少"}[self.kind]


@dataclass(frozen=True)
class Query:
    """What one part of a question asks, as data."""

    over: str = FUNDS
    outputs: tuple[Output, ...] = ()
    filters: tuple[Filter, ...] = ()
    exclusions: tuple[Filter, ...] = ()
    having: tuple[Having, ...] = ()
    group_by_department: bool = False
    order: Order | None = None
    derived: Derived | None = None
    year: int | None = None
    years: tuple[int, ...] = ()
    basis: str = CATALOG
    kind: str = BUDGET
    shape: str = NUMBER
    decimals: int | None = None
    level: int | None = None  # 项级科目: the length of the subject codes ranked or listed

    def to_json(self) -> dict[str, Any]:
        """The query as plain JSON, each filter tagged with its type."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__}
        out.update({f.name: _plain(getattr(value, f.name)) for f in fields(value)})
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class Understanding:
    """The parser's result: the query parts, what was not understood, and what was left aside."""

    parts: list[Query] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unanswered: list[tuple[str, list[str]]] = field(default_factory=list)  # (clause, words) not understood
    context_unused: list[str] = field(default_factory=list)  # background clauses not understood
    refusal: str = ""  # why the question cannot be answered from the store, in Chinese
    choices: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"parts": [q.to_json() for q in self.parts], "unknown": self.unknown,
                "refusal": self.refusal, **({"choices": self.choices} if self.choices else {})}

