"""What every reconciliation rule shares: the finding type, the rule list, documents, numbers.

A finding names the rule it broke, says in Chinese what is inconsistent, keeps
the figures it compared (as strings, so the exact digits survive JSON) and the
source rows that prove it.  Rounding is judged by the precision each figure is
*written* with, because that is the only precision the document promises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.citations import Citation

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_NAMES = {ERROR: "错误", WARNING: "警告", INFO: "说明"}

AMOUNT = "amount_mismatch"
NAME = "name_mismatch"
DEPARTMENT = "department_spelling"
COVERAGE = "form_coverage"
SEQ = "seq_mismatch"
WEIGHT = "weight_total"
UNIT = "unit_mismatch"
ANOMALY = "ingest_anomaly"
STATED_TOTAL = "stated_total"
SUBTOTAL = "subtotal"
RENDITION = "rendition"

# Report order and Chinese names of the rules.
RULES: dict[str, str] = {
    AMOUNT: "目录与绩效目标表金额不一致",
    NAME: "名称不一致",
    DEPARTMENT: "部门写法不一致",
    COVERAGE: "目录条目没有绩效目标表 / 绩效目标表重复",
    SEQ: "序号不一致",
    WEIGHT: "指标权重合计不为90（或100）",
    UNIT: "计量单位与指标不符",
    ANOMALY: "入库时记录的异常（行错位、权重错列等）",
    STATED_TOTAL: "说明总额与明细合计不一致",
    SUBTOTAL: "部门预算表内合计",
    RENDITION: "同一文档的多个版本",
}


@dataclass
class Finding:
    """One inconsistency (or an informational note) with the rows it was found in.

    ``document_id`` is set by rules that look inside one document, so that the
    same finding in a PDF rendition of a .txt folds into one finding with the
    locations of both files; cross-document rules leave it ``None``.
    """

    rule: str
    severity: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
    row_ids: list[int | None] = field(default_factory=list)
    document_id: int | None = None
    group: str | None = None
    sources: list[Citation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``budgetqa check --json`` object of one finding."""
        return {
            "rule": self.rule,
            "rule_name": RULES[self.rule],
            "severity": self.severity,
            "group": self.group,
            "message": self.message,
            "figures": self.figures,
            "sources": [c.to_json() for c in self.sources],
        }


@dataclass(frozen=True)
class DocumentSet:
    """The stored documents: file names and, for each, the primary copy of its content."""

    names: dict[int, str]
    primary_of: dict[int, int]

    @classmethod
    def load(cls, session: Session) -> DocumentSet:
        rows = session.execute(
            select(m.Document.id, m.Document.file_name, m.Document.rendition_of_id)
        ).all()
        return cls(
            names={i: name for i, name, _ in rows},
            primary_of={i: primary or i for i, _, primary in rows},
        )

    @property
    def all_ids(self) -> list[int]:
        """Every document: rules inside one document run on renditions too, then fold."""
        return sorted(self.names)

    @property
    def primary_ids(self) -> list[int]:
        """Documents that are nobody's rendition: cross-document rules look only at these."""
        return [i for i in self.all_ids if self.primary_of[i] == i]

    def is_primary(self, document_id: int) -> bool:
        return self.primary_of[document_id] == document_id


def decimals(text: str | None) -> int:
    """How many decimals a figure is written with ("1,185.3" → 1, "268" → 0)."""
    t = (text or "").strip()
    return len(t.split(".", 1)[1]) if "." in t else 0


def half_unit(places: int) -> Decimal:
    """Half a unit of the last written digit: the most that rounding can move a figure."""
    return Decimal(5).scaleb(-(places + 1))


def amount(value: Decimal, places: int) -> str:
    """A computed amount written like the documents write them (thousands separators)."""
    return f"{value:,.{places}f}"


def plain(value: Decimal) -> str:
    """A stored number without the store's trailing zeros ("95.0000" → "95")."""
    return format(value.normalize(), "f")


def form_label(seq: int | None, name: str) -> str:
    """How messages name a form or catalog entry: by its printed 序号 when it has one."""
    return f"序号{seq}“{name}”" if seq is not None else f"“{name}”"


def describe_difference(expected: str, found: str) -> str:
    """What changed between two spellings, in words: 多出“（本级）”, “局”写作“委”.

    Spelling differences are often one character or a stray space that a reader
    would not spot by comparing two long names side by side.
    """
    parts = []
    matcher = SequenceMatcher(None, expected, found, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = expected[i1:i2], found[j1:j2]
        if op == "insert":
            parts.append(f"多出“{b}”")
        elif op == "delete":
            parts.append(f"缺少“{a}”")
        elif op == "replace":
            parts.append(f"“{a}”写作“{b}”")
    return "，".join(parts)
