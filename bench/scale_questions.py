"""The fixed question mix of ``bench.scale``, worded with names read from a generated manifest.

Every scale asks the same kinds of question (one per template below), so a
change in latency from 1× to 100× is the store's size, not a different mix.
The names are picked by the same rule at every scale, from the manifest the
generator wrote, never from the sample documents, and they are the same names
at every scale: the funds come from the 2024 compilation (every scale holds
it, and a compilation does not depend on the departments), the disclosing
department is the generator's first pick (1× holds it, and N+1 departments
extend N).
"""

from __future__ import annotations

from decimal import Decimal

from bench.corpus.departments import pick_departments

ZONE = "重庆市万盛经济技术开发区"
FUNDS_YEAR = 2024  # the samples' year, held at every scale

# (kind, template): the kinds staff ask most, over both document kinds
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("fund amount", "{F1}的预算是多少"),
    ("dept fund count+total", "{D1}有几个专项，合计多少？"),
    ("count of funds", "一共有多少个专项"),
    ("top department", "哪个部门的专项预算最多？"),
    ("amount bound list", "{LO}万到{HI}万之间的专项有哪些"),
    ("indicators", "{F1}的核心指标有哪些"),
    ("dept 三公经费", "{DB}三公经费是多少"),
    ("year-named count", "{Y}年{D1}有几个专项"),
    ("two-fund sum", "{F1}和{F2}一共多少钱"),
    ("fund position", "{F1}在所有专项中排第几"),
    ("dept share", "{D1}的专项占全部专项的百分之几"),
    ("contact's funds", "{C1}负责哪些专项"),
    ("三公 ranking", "哪个部门的三公经费最多"),
    ("largest subject", "{DB}基本支出里哪个科目最多"),
)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _short(full: str) -> str:
    """A district department without the zone's prefix, as staff would type it."""
    return full.removeprefix(ZONE)


def _unambiguous_funds(funds: list[dict]) -> list[dict]:
    """Funds of district departments with two or more funds, whose names are unique and no part of
    another's, one per department: a question naming them means one fund, whatever the scale."""
    names = [f["name"] for f in funds]
    per_dept: dict[str, int] = {}
    for fund in funds:
        per_dept[fund["dept_name"]] = per_dept.get(fund["dept_name"], 0) + 1
    chosen: list[dict] = []
    for fund in funds:
        name = fund["name"]
        if (names.count(name) == 1 and not any(o != name and (name in o or o in name) for o in names)
                and fund["dept_name"].startswith(ZONE) and per_dept[fund["dept_name"]] >= 2
                and all(fund["dept_name"] != c["dept_name"] for c in chosen)):
            chosen.append(fund)
    return chosen


def names_from(manifest: dict) -> dict[str, str]:
    """The placeholders of ``TEMPLATES``: funds of the 2024 compilation, the first disclosing department."""
    documents = manifest["documents"]
    funds = next(d for d in documents if d["kind"] == "special_funds" and d["year"] == FUNDS_YEAR)["funds"]
    f1, f2 = _unambiguous_funds(funds)[:2]
    disclosing = pick_departments(manifest["arguments"]["seed"], 1)[0]
    held = {d["dept_name"] for d in documents if d["kind"] == "dept_budget"}
    if disclosing.name not in held:
        raise ValueError(f"the manifest has no disclosure of {disclosing.name}")
    amounts = sorted(_amount(f["catalog_amount"]) for f in funds)
    return {"F1": f1["name"], "F2": f2["name"], "D1": _short(f1["dept_name"]), "C1": f1["contact"],
            "DB": disclosing.short, "LO": str(int(amounts[len(amounts) // 2])),
            "HI": str(int(amounts[len(amounts) * 3 // 4])), "Y": str(FUNDS_YEAR)}


def question_mix(manifest: dict) -> list[tuple[str, str]]:
    """(kind, question) for every template, worded for this manifest."""
    names = names_from(manifest)
    return [(kind, template.format(**names)) for kind, template in TEMPLATES]
