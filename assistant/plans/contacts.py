"""Who is behind a phone number or a name: "81711475这个电话是谁的？", "陈瑜负责哪些专项？".

The forms print 联系人 and 联系电话 under each table; this is the reverse
lookup over those two fields, by the number's digits or the person's name.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from assistant.intent import Intent
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import Vocabulary, display_name
from db import models as m

# eight-digit local numbers (with an area code or not) and mobiles; seven-digit numbers are subject codes
_PHONE = re.compile(r"(?<!\d)(?:(?:0\d{2,3}-?)?\d{8}|1\d{10})(?!\d)")
_PERSON_CUE = re.compile(r"负责|联系|管|哪些专项|哪个专项|电话|是谁")
_PRIMARY = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _forms(runner: Runner) -> list[dict]:
    """Every form's contact fields; reused until documents change (most questions name nobody)."""
    return [r._asdict() for r in runner.cached(
        "form_contacts",
        select(m.FundForm.name, m.FundForm.contact, m.FundForm.phone, m.FundForm.contact_row_id,
               m.FundForm.phone_row_id, m.Department.name.label("department"))
        .join(m.Department, m.FundForm.department_id == m.Department.id, isouter=True)
        .where(m.FundForm.document_id.in_(_PRIMARY), m.FundForm.is_repeat.is_(False)),
    )]


def wants_contact_lookup(intent: Intent, vocab: Vocabulary) -> bool:
    """A phone number in the question, or a registered contact's name and no fund named."""
    q = intent.question
    if _PHONE.search(q):
        return True
    return not intent.funds and vocab.names_contact(q) and bool(_PERSON_CUE.search(q))


def contact_lookup(intent: Intent, runner: Runner, draft: Draft) -> bool:
    """Forms whose phone holds the question's number, or whose 联系人 the question names."""
    forms = _forms(runner)
    if number := _PHONE.search(intent.question):
        wanted = _digits(number.group())
        hits = [f for f in forms if f["phone"] and (wanted in _digits(f["phone"]) or
                                                    _digits(f["phone"]) in wanted)]
        what = f"电话{number.group()}"
    else:
        named = intent.question
        hits = [f for f in forms if f["contact"] and len(f["contact"]) >= 2 and f["contact"] in named]
        what = f"联系人{hits[0]['contact']}" if hits else ""
    if not hits:
        if number:
            draft.lines.append(f"库中的绩效目标表没有登记电话{number.group()}。")
            draft.understood = False
            return True
        return False
    items = "；".join(f"{f['name']}（{display_name(f['department'] or '')}），"
                     f"联系人{f['contact'] or '未填写'}，电话{f['phone'] or '未填写'}" for f in hits)
    draft.lines.append(f"登记{what}的绩效目标表共{len(hits)}张：{items}。")
    for f in hits:
        draft.cite(f["contact_row_id"], f["phone_row_id"])
    draft.rows = [{"专项": f["name"], "部门": display_name(f["department"] or ""), "联系人": f["contact"],
                   "联系电话": f["phone"]} for f in hits]
    return True
