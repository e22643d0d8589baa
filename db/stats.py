"""Row counts per table and per document: the quickest check that ingestion did what it should."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db import models as m

_PER_DOCUMENT = {
    "source_rows": m.SourceRow,
    "funds": m.Fund,
    "fund_forms": m.FundForm,
    "budget_lines": m.BudgetLine,
    "stated_facts": m.StatedFact,
    "anomalies": m.Anomaly,
}


def stats(engine: Engine) -> dict[str, Any]:
    """``{"tables": {name: rows}, "documents": [{file_name, kind, counts, ...}]}``."""
    with Session(engine) as session:
        tables = {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in m.Base.metadata.sorted_tables
        }
        documents = []
        for doc in session.scalars(select(m.Document).order_by(m.Document.id)):
            counts = {
                name: session.scalar(
                    select(func.count()).select_from(model).where(model.document_id == doc.id)
                )
                for name, model in _PER_DOCUMENT.items()
            }
            counts["indicators"] = session.scalar(
                select(func.count(m.Indicator.id))
                .join(m.FundForm, m.Indicator.form_id == m.FundForm.id)
                .where(m.FundForm.document_id == doc.id)
            )
            primary = session.get(m.Document, doc.rendition_of_id) if doc.rendition_of_id else None
            documents.append(
                {
                    "file_name": doc.file_name,
                    "format": doc.fmt,
                    "kind": doc.kind,
                    "title": doc.title,
                    "year": doc.year,
                    "rendition_of": primary.file_name if primary else None,
                    "counts": counts,
                }
            )
    return {"tables": tables, "documents": documents}
