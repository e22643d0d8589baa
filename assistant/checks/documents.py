"""Rules 8 and 11: what ingest already noticed, and which files are versions of which.

Recognisers record what they had to re-read (a row that lost its first cell, a
weight in the 是否核心 column) as anomalies with their rows instead of silently
fixing the data; the check reports them by kind, naming the form each
indicator row belongs to.  Renditions (the PDF of a .txt) are listed so that a
reader knows why cross-document rules cite only one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.checks.common import (
    ANOMALY,
    INFO,
    RENDITION,
    WARNING,
    DocumentSet,
    Finding,
    form_label,
)
from db import models as m


def _anomalies(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rule 8: every stored anomaly, grouped by kind, with the form its rows belong to."""
    rows = session.execute(
        select(m.Anomaly, m.AnomalyRow.source_row_id)
        .outerjoin(m.AnomalyRow, m.AnomalyRow.anomaly_id == m.Anomaly.id)
        .where(m.Anomaly.document_id.in_(docs.all_ids))
        .order_by(m.Anomaly.kind, m.Anomaly.id, m.AnomalyRow.source_row_id)
    ).all()
    anomalies: dict[int, tuple[m.Anomaly, list[int]]] = {}
    for anomaly, row_id in rows:
        _, ids = anomalies.setdefault(anomaly.id, (anomaly, []))
        if row_id is not None:
            ids.append(row_id)
    all_rows = [i for _, ids in anomalies.values() for i in ids]
    forms = dict(
        session.execute(
            select(m.Indicator.source_row_id, m.FundForm)
            .join(m.FundForm, m.Indicator.form_id == m.FundForm.id)
            .where(m.Indicator.source_row_id.in_(all_rows))
        ).all()
    )
    for anomaly, ids in anomalies.values():
        owners = list(dict.fromkeys(form_label(f.seq, f.name) for i in ids if (f := forms.get(i))))
        where = f"绩效目标表{'、'.join(owners)}：" if owners else ""
        yield Finding(
            ANOMALY, WARNING, f"{where}{anomaly.message}",
            figures={"kind": anomaly.kind},
            row_ids=list(ids),
            document_id=anomaly.document_id,
            group=anomaly.kind,
        )


def _renditions(docs: DocumentSet) -> Iterator[Finding]:
    """Rule 11: for each primary document, the other files holding the same content."""
    versions: dict[int, list[int]] = defaultdict(list)
    for doc_id in docs.all_ids:
        if not docs.is_primary(doc_id):
            versions[docs.primary_of[doc_id]].append(doc_id)
    for primary, others in versions.items():
        names = [docs.names[i] for i in others]
        yield Finding(
            RENDITION, INFO,
            f"{'、'.join(names)} 与 {docs.names[primary]} 是同一文档的不同版本；"
            f"跨文档核对只用 {docs.names[primary]}，文档内核对的结果合并列出各版本的位置",
            figures={"primary": docs.names[primary], "renditions": names},
        )


def check(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rules 8 and 11."""
    yield from _anomalies(session, docs)
    yield from _renditions(docs)
