"""One department's 部门预算公开 for one year: narrative, directory, 16 tables, mess and manifest.

Mess is what the real disclosure has, at most once per kind: an indicator row
of the first 一般项目 form that lost its leading tab (text export only), a
previous-year total in 表五 off by 0.01 from its rows (the sample's
"系四舍五入导致"), and a misspelt unit.
"""

from __future__ import annotations

from bench.corpus.budget import ABROAD, CAR_BUY, CAR_RUN, RECEPTION, Year, chain, subject_names
from bench.corpus.departments import Department
from bench.corpus.dept_forms import (
    PROJECT_LABELS,
    PROJECT_MERGES,
    FormMess,
    Project,
    key_funds,
    plan,
    project_forms,
    projects,
    whole_form,
    whole_indicators,
)
from bench.corpus.dept_tables import (
    above,
    classes,
    functional,
    header,
    localise,
    money,
    procurement_rows,
    sangong_row,
    table1,
    table4,
    tree,
)
from bench.corpus.dept_text import narrative
from bench.corpus.indicators import Indicator, number_cell
from bench.corpus.layout import ALL_FORMATS, TEXT_ONLY, Cell, Document, Grid, Para, Sheet
from bench.corpus.money import rng, to_decimal
from bench.corpus.samples import TableT, dept_template, workbook_sheets


def _sheet(no: int, blocks: list[Para | Grid]) -> Sheet:
    """Sheet ``no`` (0 = 目录) with the sample workbook's name, widths and orientation."""
    sheet = workbook_sheets()[no]
    return Sheet(sheet.name, blocks, list(sheet.widths), sheet.landscape, freeze=1 <= no <= 13)


def _general_of(y: Year, code: str) -> int:
    return sum(leaf.general for leaf in y.leaves if leaf.code == code)


class _Tables:
    """The directory and the 16 tables of one department-year."""

    def __init__(self, dept: Department, y: Year, prev: Year) -> None:
        self.dept, self.y, self.prev = dept, y, prev
        self.names = subject_names(dept)
        self.t = dept_template()

    def notes(self, lines: list[str]) -> list[Para]:
        return [Para(localise(n, self.dept, self.y.year), role="note") for n in lines]

    def table(self, no: int, body: list[list[Cell]], notes: list[str] | None = None) -> Sheet:
        """A standard table: the template's lines above, header and notes (its own unless given), ``body``."""
        tb = self.t.table(no)
        head = header(tb, self.y.year)
        # the header's own spans follow from its blanks; 合计 spans 科目编码 and 科目名称
        total = [(len(head), 0, len(head), 1)] if body and body[0][:2] == ["合计", ""] else []
        grid = Grid([*head, *body], header=len(head), merges=total)
        return _sheet(no, [*above(tb, self.dept, self.y.year), grid,
                           *self.notes(tb.below if notes is None else notes)])

    def form(self, no: int, tb: TableT, grid: Grid) -> list[Para | Grid]:
        return [*above(tb, self.dept, self.y.year), grid, *self.notes(tb.below)]

    def directory(self) -> Sheet:
        title = next(k for k in self.t.sections if k.endswith("（目录）"))
        rows: list[list[Cell]] = [list(self.t.directory[0])]
        rows += [[number_cell(no), label, localise(title, self.dept, self.y.year)]
                 for no, label, title in self.t.directory[1:]]
        grid = Grid(rows, header=1, centred={(r, c) for r in range(1, len(rows)) for c in (0, 1)})
        return _sheet(0, [Para(localise(title, self.dept, self.y.year), role="title"), grid])

    def sheets(self, rounding: int, whole: Grid, forms: list[Grid]) -> list[Sheet]:
        y, prev, names, t = self.y, self.prev, self.names, self.t
        fund = y.sum("fund")
        t5 = functional([x for x in y.active if x.general], names,
                        lambda x: (_general_of(prev, x.code), x.general, x.basic, x.project))
        t5[0][2] = money(prev.sum("general") + rounding)
        t11 = (functional([x for x in y.active if x.fund], names, lambda x: (x.fund, 0, x.fund)) if fund
               else [["合计", "", "", "", ""]])
        empty15 = Grid([list(r) for r in t.table(15).body], merges=list(PROJECT_MERGES),
                       bold=set(PROJECT_LABELS))
        one_off = [tb for tb in t.tables if tb.no == 16]
        return [
            self.directory(),
            self.table(1, table1(t.table(1), y, names)),
            self.table(2, functional(y.active, names, lambda x: (x.total, 0, x.general, x.fund, *[0] * 8))),
            self.table(3, functional(y.active, names, lambda x: (x.total, x.basic, x.project + x.fund))),
            self.table(4, table4(t.table(4), y, names)),
            self.table(5, t5),
            self.table(6, tree({c: (a + b, a, b) for c, (a, b) in y.econ_basic.items()}, names, (3,))),
            self.table(7, tree({c: (a,) for c, a in y.gov_basic.items()}, names, (3,))),
            self.table(8, tree({c: (a,) for c, a in y.econ_project.items()}, names, (3,))),
            self.table(9, tree({c: (a,) for c, a in y.gov_project.items()}, names, (3,))),
            self.table(10, [sangong_row(y)]),
            # no fund money: the table says so in the words 表十二 uses for the same case
            self.table(11, t11, [] if fund else t.table(12).below),
            self.table(12, [list(r) for r in t.table(12).body]),
            self.table(13, procurement_rows(t.table(13), y), [] if sum(y.procurement) else None),
            _sheet(14, self.form(14, t.table(14), whole)),
            _sheet(15, self.form(15, t.table(15), empty15)),
            _sheet(16, [b for tb, g in zip(one_off, forms, strict=False) for b in self.form(16, tb, g)]),
        ]


def dept_document(seed: int, dept: Department, year: int, messy: bool) -> tuple[Document, dict]:
    """One department-year disclosure and its manifest entry (without file names)."""
    years = chain(seed, dept, year)
    y, prev = years[year], years[year - 1]
    found = projects(seed, dept, y)
    whole = whole_indicators(seed, dept, year)
    mess = plan(seed, dept, year, found) if messy else FormMess()
    rounding = rng(seed, "mess", "rounding", dept.code, year).choice((-1, 1)) if messy else 0
    funds = key_funds(dept)
    contact = (funds[0].contact, f"023-{funds[0].phone}") if funds else _template_contact()
    texts = narrative(dept, y, prev, subject_names(dept), funds, contact, [p.name for p in found])
    forms = whole_form(dept, y, whole), project_forms(dept, found, mess)
    tables = _Tables(dept, y, prev).sheets(rounding, *forms)
    doc = Document(stem=f"dept_budget_{dept.code}_{year}", title="部门预算公开套表",
                   subject=f"{dept.name} {year} 年部门预算公开套表",
                   sheets=[Sheet("说明", texts, text_only=True), *tables])
    entry = _manifest(dept, y, prev, found, whole)
    entry.update(messy=messy, anomalies=_anomalies(y, prev, found, mess, rounding))
    return doc, entry


def _template_contact() -> tuple[str, str]:
    """The template department's own 公开联系人 line: name and phone."""
    line = dept_template().sections["七、其他说明事项"][1]
    name, phone = line.removeprefix("部门预算公开联系人：").split(" 联系方式：")
    return name, phone


def _amount(cents: int) -> str:
    return str(to_decimal(cents))


def _moved(cur: int, prev: int) -> dict[str, str]:
    kind = "持平" if cur == prev else "增加" if cur > prev else "减少"
    return {"amount": _amount(cur), "last_year": _amount(prev), "change": kind,
            "change_amount": _amount(abs(cur - prev))}


def _anomalies(y: Year, prev: Year, found: list[Project], mess: FormMess, rounding: int) -> list[dict]:
    out: list[dict] = []
    if mess.shifted:
        first = found[0]
        out.append({"kind": "shifted_row", "form": first.name, "indicator": first.indicators[-1].name,
                    "ordinal": len(first.indicators), "formats": TEXT_ONLY})
    if rounding:
        out.append({"kind": "rounding_gap", "table": 5, "subject": "合计", "year": y.year - 1,
                    "printed": _amount(prev.sum("general") + rounding),
                    "sum_of_rows": _amount(prev.sum("general")), "formats": ALL_FORMATS})
    if mess.typo:
        form, i, written = mess.typo
        ind = next(p for p in found if p.name == form).indicators[i]
        out.append({"kind": "unit_typo", "form": form, "indicator": ind.name, "ordinal": i + 1,
                    "unit": ind.unit, "written": written, "formats": ALL_FORMATS})
    return out


def _manifest(dept: Department, y: Year, prev: Year, found: list[Project], whole: list[Indicator]) -> dict:
    """What the disclosure states: totals, 三公 and 机关运行经费 with their changes, subjects, forms."""
    items = {ABROAD: ABROAD, RECEPTION: RECEPTION, CAR_RUN: CAR_RUN, CAR_BUY: CAR_BUY}

    def projects_of(year: Year) -> int:
        return year.sum("project") + year.sum("fund")

    return {
        "kind": "dept_budget", "year": y.year, "dept_code": dept.code, "dept_name": dept.name,
        "income_total": _amount(y.sum("total")), "expenditure_total": _amount(y.sum("total")),
        "general_budget": _amount(y.sum("general")), "gov_fund": _amount(y.sum("fund")),
        "basic": _amount(y.sum("basic")), "project": _amount(projects_of(y)),
        "last_year": {"expenditure_total": _amount(prev.sum("total")),
                      "general_budget": _amount(prev.sum("general")),
                      "basic": _amount(prev.sum("basic")), "project": _amount(projects_of(prev))},
        "sangong": {"total": _moved(sum(y.sangong.values()), sum(prev.sangong.values())),
                    "items": {label: _moved(y.sangong[k], prev.sangong[k]) for label, k in items.items()}},
        "op_cost": _moved(y.op_cost, prev.op_cost),
        "procurement": {"total": _amount(sum(y.procurement)), "goods": _amount(y.procurement[0]),
                        "works": _amount(y.procurement[1]), "services": _amount(y.procurement[2])},
        "classes": [{"code": code, "name": leaf.name, "amount": _amount(leaf.total)}
                    for code, leaf in classes(y, subject_names(dept))],
        "subjects": [{"table": 5, "code": leaf.code, "name": leaf.name,
                      "amounts": {str(prev.year): _amount(_general_of(prev, leaf.code)),
                                  str(y.year): _amount(leaf.general)}}
                     for leaf in y.active if leaf.general],
        "whole_form": {"budget": _amount(y.sum("total")), "indicators": [i.manifest() for i in whole]},
        "projects": [{"name": p.name, "amount": _amount(p.cents),
                      "indicators": [i.manifest() for i in p.indicators]} for p in found],
    }
