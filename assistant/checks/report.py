"""Run every rule, fold renditions together, attach citations, and write the report.

Rules that look inside one document also run on renditions (a PDF of the
.txt): a finding that both copies produce with the same message becomes one
finding citing both files, and a finding only a rendition produces says so —
that usually means the reader of that format saw something different.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.checks import departments, documents, funds, indicators, totals
from assistant.checks.common import INFO, RULES, SEVERITY_NAMES, DocumentSet, Finding
from db.citations import cite

Check = Callable[[Session, DocumentSet], Iterable[Finding]]
CHECKS: tuple[Check, ...] = (
    funds.check, departments.check, indicators.check, totals.check, documents.check,
)
_NUMERALS = "一二三四五六七八九十"
_SHOWN_SOURCES = 6
_SHOWN_TEXT = 60


def fold_renditions(findings: list[Finding], docs: DocumentSet) -> list[Finding]:
    """One finding per (rule, content, message): a rendition's copy adds its locations."""
    merged: dict[tuple[str, int, str], Finding] = {}
    out: list[Finding] = []
    primaries_first = sorted(
        findings, key=lambda f: f.document_id is not None and not docs.is_primary(f.document_id)
    )
    for finding in primaries_first:
        if finding.document_id is None:
            out.append(finding)
            continue
        key = (finding.rule, docs.primary_of[finding.document_id], finding.message)
        if key in merged:
            merged[key].row_ids.extend(finding.row_ids)
            continue
        if not docs.is_primary(finding.document_id):
            finding.message += f"（仅见于 {docs.names[finding.document_id]}）"
        merged[key] = finding
        out.append(finding)
    return out


def run_checks(engine: Engine) -> list[Finding]:
    """All findings in rule order, each with its source locations."""
    with Session(engine) as session:
        docs = DocumentSet.load(session)
        found = fold_renditions([f for check in CHECKS for f in check(session, docs)], docs)
        citations = {c.source_row_id: c for c in cite(session, [i for f in found for i in f.row_ids])}
    order = list(RULES)
    found.sort(key=lambda f: order.index(f.rule))
    for finding in found:
        finding.sources = [citations[i] for i in dict.fromkeys(finding.row_ids) if i in citations]
    return found


def report_json(findings: list[Finding]) -> dict[str, Any]:
    """``{"findings": [...], "summary": {rule_id: count}}``; the summary counts info findings too."""
    counts = Counter(f.rule for f in findings)
    return {
        "findings": [f.to_json() for f in findings],
        "summary": {rule: counts[rule] for rule in RULES},
    }


def _numeral(n: int) -> str:
    """1 → 一, 11 → 十一: section numbers of the text report."""
    if n <= 10:
        return _NUMERALS[n - 1]
    return "十" + (_NUMERALS[n % 10 - 1] if n % 10 else "")


def _short(text: str) -> str:
    """A source row on one line: whitespace (tabs between cells) collapsed, long rows cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_TEXT else flat[:_SHOWN_TEXT] + "…"


def _finding_lines(finding: Finding) -> list[str]:
    lines = [f"  [{SEVERITY_NAMES[finding.severity]}] {finding.message}"]
    for c in finding.sources[:_SHOWN_SOURCES]:
        lines.append(f"      {c.source} {c.location()}：{_short(c.text)}")
    if len(finding.sources) > _SHOWN_SOURCES:
        lines.append(f"      ……另有 {len(finding.sources) - _SHOWN_SOURCES} 处（完整列表见 --json）")
    return lines


def render_text(findings: list[Finding]) -> str:
    """The Chinese report: per rule its counts, then each finding with its locations.

    Findings of severity ``info`` (notes, rounding, consistent totals) are counted
    separately from problems so a reader sees at once what needs attention.
    """
    severities = Counter(f.severity for f in findings)
    out = [
        f"数据核对报告：共 {len(findings)} 条（错误 {severities['error']} 条，"
        f"警告 {severities['warning']} 条，说明 {severities[INFO]} 条）"
    ]
    for n, (rule, name) in enumerate(RULES.items(), start=1):
        mine = [f for f in findings if f.rule == rule]
        problems = sum(f.severity != INFO for f in mine)
        notes = f"，说明 {len(mine) - problems} 条" if len(mine) > problems else ""
        out.append("")
        out.append(f"{_numeral(n)}、{name}：" + (f"问题 {problems} 条{notes}" if mine else "未发现"))
        groups = list(dict.fromkeys(f.group for f in mine))
        for group in groups:
            members = [f for f in mine if f.group == group]
            if group is not None and len(groups) > 1:
                out.append(f" 【{group}】{len(members)} 条")
            for finding in members:
                out.extend(_finding_lines(finding))
    return "\n".join(out)
