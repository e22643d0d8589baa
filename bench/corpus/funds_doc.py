"""The compilation as a document (cover, 编表说明, catalog, one form per fund), its mess and its manifest.

Layout follows the sample export line for line: the catalog split in two with
its header repeated (the page break of the original), each form preceded by
序号：N and its heading, followed by 联系人 and 联系电话.  Mess is what the
real compilation has, never more of each kind than it has: labels and texts in
HTML tags (14 of its forms), indicator rows that lost their leading tab (20), a
weight written in the 是否核心 column (4), a catalog figure that differs from its
form (4), a misspelt unit (1).  Tags and shifted rows exist only in text
exports; the office renditions were typeset from clean cells.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from bench.corpus.funds import Fund, compilation, stated_total
from bench.corpus.indicators import UNIT_TYPOS, indicator_cells, number_cell
from bench.corpus.layout import (
    ALL_FORMATS,
    CATALOG,
    TEXT_ONLY,
    Cell,
    Document,
    Grid,
    Num,
    Para,
    Sheet,
    label_value_merges,
)
from bench.corpus.money import catalog_text, rng, scaled, to_decimal
from bench.corpus.samples import funds_template, shift_years

# kind of mess -> how often the real compilation has it (a messy one gets 1 to that many)
_CAPS = {"html_tags": 14, "shifted_row": 20, "weight_in_core_column": 4, "catalog_form_mismatch": 4,
         "unit_typo": 1}
_TOTAL = re.compile(r"涉及预算资金[\d,]+万元")
_CATALOG_SPLIT = 42  # rows on the catalog's first pages before its header repeats
_FORM_HEADER = ["绩效指标", "指标名称", "指标性质", "指标值", "计量单位", "指标权重(%)", "是否核心"]


@dataclass
class Mess:
    """What was made messy in one compilation, by 序号 (and indicator index)."""

    html: set[int] = field(default_factory=set)
    shifted: set[tuple[int, int]] = field(default_factory=set)
    weight_in_core: set[tuple[int, int]] = field(default_factory=set)
    typos: dict[tuple[int, int], str] = field(default_factory=dict)
    catalog: dict[int, int] = field(default_factory=dict)  # seq -> cents the catalog prints instead


def _plan(r: random.Random, funds: list[Fund]) -> Mess:
    """Where the mess goes; a row gets at most one of shifted / weight moved / misspelt unit."""
    mess = Mess()
    mess.html = {f.seq for f in r.sample(funds, r.randint(1, _CAPS["html_tags"]))}
    shifted, weighed = r.randint(1, _CAPS["shifted_row"]), r.randint(1, _CAPS["weight_in_core_column"])
    forms = r.sample(funds, min(len(funds), shifted + weighed))
    cut = len(forms) - weighed
    mess.shifted = {(f.seq, len(f.indicators) - 1) for f in forms[:cut]}
    mess.weight_in_core = {(f.seq, r.randrange(len(f.indicators))) for f in forms[cut:]}
    spots = [(f.seq, i, UNIT_TYPOS[ind.unit]) for f in funds for i, ind in enumerate(f.indicators)
             if ind.unit in UNIT_TYPOS and (f.seq, i) not in mess.shifted | mess.weight_in_core]
    mess.typos = {(seq, i): typo for seq, i, typo in r.sample(spots, min(len(spots), _CAPS["unit_typo"]))}
    for f in r.sample(funds, r.randint(1, _CAPS["catalog_form_mismatch"])):
        factor = r.choice((r.uniform(0.3, 0.8), r.uniform(1.15, 2.5)))
        mess.catalog[f.seq] = scaled(f.cents, factor, 10)
    return mess


def _form(f: Fund, year: int, mess: Mess) -> Grid:
    """One 绩效目标表: label/value rows, then the indicator sub-table under its merged 绩效指标 label."""
    t = f.template
    rows: list[list[Cell]] = [
        ["项目名称", f.name, "主管部门", f"{f.dept.code}-{f.dept.name}", "", "", ""],
        [f"{year}年预算", Num(f.form_text, to_decimal(f.cents)), "", "", "", "", ""],
        ["项目概况", shift_years(t.overview, year), "", "", "", "", ""],
        ["当年绩效目标", shift_years(t.goal, year), "", "", "", "", ""],
        list(_FORM_HEADER),
    ]
    grid = Grid(rows, merges=[m for r in range(4) for m in label_value_merges(rows[r], r)],
                bold={(0, 0), (0, 2), (1, 0), (2, 0), (3, 0), *((4, c) for c in range(7))})
    for i, ind in enumerate(f.indicators):
        unit = mess.typos.get((f.seq, i), ind.unit)
        core = "是" if ind.core else "否"
        weight = number_cell(str(ind.weight))
        cells = ["", ind.name, ind.nature, number_cell(ind.value), unit]
        # a weight in the 是否核心 column leaves its own column empty and the flag unwritten
        rows.append([*cells, "", weight] if (f.seq, i) in mess.weight_in_core else [*cells, weight, core])
        if (f.seq, i) in mess.shifted:
            grid.text_rows[len(rows) - 1] = [ind.name, ind.nature, ind.value, unit, str(ind.weight), core, ""]
    grid.merges.append((4, 0, len(rows) - 1, 0))
    grid.centred = indicator_cells(5, len(rows), 2)
    if f.seq in mess.html:
        for r in range(5):
            cells = grid.text_rows.get(r) or [c.text if isinstance(c, Num) else c for c in rows[r]]
            cells[0] = f"<b>{cells[0]}</b>"
            if r == 0:
                cells[2] = f"<b>{cells[2]}</b>"
            elif r in (2, 3):
                cells[1] = f"<p>{cells[1]}</p>"
            elif r == 4:
                cells[1:] = [f"<b>{c}</b>" for c in cells[1:]]
            grid.text_rows[r] = cells
    return grid


def _catalog(funds: list[Fund], year: int, mess: Mess) -> list[Grid]:
    """The 专项资金目录, in two grids as the export breaks it, each with the header."""
    header = ["序号", "专项资金名称", "主管部门", f"{year}年预算"]
    rows = []
    for f in funds:
        cents = mess.catalog.get(f.seq, f.cents)
        rows.append([str(f.seq), f.name, f"{f.dept.code}-{f.dept.name}",
                     Num(catalog_text(cents), Decimal(catalog_text(cents).replace(",", "")), CATALOG)])
    parts = [rows[:_CATALOG_SPLIT], rows[_CATALOG_SPLIT:]]
    return [Grid([list(header), *part], header=1) for part in parts if part]


def _manifest(funds: list[Fund], mess: Mess) -> tuple[list[dict], list[dict]]:
    """Every fund as the catalog and the form state it, and every piece of mess with its renditions."""
    entries = []
    anomalies = [{"kind": "html_tags", "seq": seq, "formats": TEXT_ONLY} for seq in sorted(mess.html)]
    for f in funds:
        names = [ind.name for ind in f.indicators]
        entries.append({
            "seq": f.seq, "name": f.name, "dept_code": f.dept.code, "dept_name": f.dept.name,
            "catalog_amount": catalog_text(mess.catalog.get(f.seq, f.cents)), "form_amount": f.form_text,
            "contact": f.template.contact, "phone": f.template.phone,
            "indicators": [ind.manifest() for ind in f.indicators],
        })
        if f.seq in mess.catalog:
            anomalies.append({"kind": "catalog_form_mismatch", "seq": f.seq, "formats": ALL_FORMATS,
                              "catalog_amount": catalog_text(mess.catalog[f.seq]),
                              "form_amount": f.form_text})
        for i, name in enumerate(names):
            spot = {"seq": f.seq, "indicator": name, "ordinal": i + 1}
            if (f.seq, i) in mess.shifted:
                anomalies.append({"kind": "shifted_row", **spot, "formats": TEXT_ONLY})
            if (f.seq, i) in mess.weight_in_core:
                anomalies.append({"kind": "weight_in_core_column", **spot, "formats": ALL_FORMATS,
                                  "weight": f.indicators[i].weight})
            if (f.seq, i) in mess.typos:
                anomalies.append({"kind": "unit_typo", **spot, "formats": ALL_FORMATS,
                                  "unit": f.indicators[i].unit, "written": mess.typos[(f.seq, i)]})
    return entries, anomalies


def funds_document(seed: int, year: int, messy: bool) -> tuple[Document, dict]:
    """One year's compilation and its manifest entry (without file names)."""
    funds = compilation(seed, year)
    mess = _plan(rng(seed, "mess", "funds", year), funds) if messy else Mess()
    t = funds_template()
    total = stated_total(funds, mess.catalog)
    # the cover's lines come in two groups written without blank lines (markdown line breaks)
    gaps = (2, 0, 1, 0, 0, 1)
    front = [Para(line.strip(), lines=[line], gap=gap)
             for line, gap in zip((shift_years(c, year) for c in t.cover), gaps, strict=True)]
    front.append(Para("编 表 说 明", role="heading", level=1, gap=3))
    front += [Para(_TOTAL.sub(f"涉及预算资金{total}万元", shift_years(n, year))) for n in t.notes]
    catalog = [Para(f"{year}年重点专项资金目录", role="heading", level=1), Para("单位：万元"),
               *_catalog(funds, year, mess)]
    forms: list[Para | Grid] = []
    for f in funds:
        heading = Para(f"{year}年区级重点专项资金绩效目标表（一级项目）", role="heading", level=2)
        forms += [Para(f"序号：{f.seq}"), heading, Para("单位：万元"), _form(f, year, mess),
                  Para(f"联系人：{f.template.contact}"), Para(f"联系电话：{f.template.phone}")]
    doc = Document(
        stem=f"key_special_funds_{year}",
        title="重点专项预算绩效",
        subject=f"万盛经济技术开发区{year}年重点专项预算绩效",
        sheets=[Sheet("编表说明", front, widths=[100]),
                Sheet("重点专项资金目录", catalog, widths=[8, 36, 52, 14], freeze=True),
                Sheet("绩效目标表", forms, widths=[14, 34, 12, 14, 14, 14, 10], landscape=True)],
        heading_marks=True,
    )
    entries, anomalies = _manifest(funds, mess)
    return doc, {"kind": "special_funds", "year": year, "messy": messy, "stated_total": total,
                 "funds": entries, "anomalies": anomalies}
