"""The performance forms of a disclosure: 表十四 (the whole department) and 表十六 (its 一般项目).

The template department keeps its own two projects and their texts; any other
department gets a general-budget project and, in years with fund money, a
fund project, named after the department and described with the texts and
indicators of its own key-fund forms (the closest real wording there is for
what that department does).  Each project's budget is the table figure it
stands for (项目支出 from the general budget, or the fund total).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.corpus import indicators
from bench.corpus.budget import Year
from bench.corpus.departments import Department
from bench.corpus.dept_tables import localise, money
from bench.corpus.indicators import Indicator, indicator_cells, number_cell
from bench.corpus.layout import Cell, Grid
from bench.corpus.money import rng
from bench.corpus.samples import DEPT_COLUMNS, FundT, clean_indicators, dept_template, funds_template

# merged cells of the forms as the sample workbook draws them
_WHOLE_MERGES = [(0, 1, 0, 2), (0, 4, 0, 6), (1, 1, 1, 6)]
PROJECT_MERGES = [(0, 1, 0, 3), (0, 5, 0, 6), (1, 0, 2, 0), (1, 1, 2, 3), (1, 5, 1, 6), (2, 5, 2, 6),
                  (3, 1, 3, 6), (4, 1, 4, 6)]
_WHOLE_LABELS = {(0, 0), (0, 3), (1, 0), *((2, c) for c in range(7))}
PROJECT_LABELS = {(0, 0), (0, 4), (1, 0), (1, 4), (2, 4), (3, 0), (4, 0), *((5, c) for c in range(7))}
_GENERAL_NAMES = ("业务工作专项", "日常业务专项", "重点工作推进专项", "业务能力提升专项")
_FUND_NAMES = ("基础设施建设专项", "建设改造专项", "设施维护专项")


@dataclass
class Project:
    """A 一般项目 form of 表十六."""

    name: str
    cents: int
    overview: str
    goal: str
    indicators: list[Indicator]


@dataclass
class FormMess:
    """Mess in the forms: the first project's last row shifted (text only), a misspelt unit."""

    shifted: bool = False
    typo: tuple[str, int, str] | None = None  # (project name, indicator index, unit as written)


def key_funds(dept: Department) -> list[FundT]:
    """The department's real key funds, whose texts and contacts its disclosure borrows."""
    return [f for f in funds_template().funds if f.dept_code == dept.code]


def projects(seed: int, dept: Department, y: Year) -> list[Project]:
    """表十六's projects for one year (none for a budget without project spending)."""
    t = dept_template()
    forms = [tb.body for tb in t.tables if tb.no == 16]
    r = rng(seed, "projects", dept.code)
    if dept.code == t.code:
        names = [body[0][1] for body in forms]
        texts = [(body[3][1], body[4][1], clean_indicators(body[6:], DEPT_COLUMNS)) for body in forms]
    else:
        names = [dept.short + r.choice(_GENERAL_NAMES), dept.short + r.choice(_FUND_NAMES)]
        funds = key_funds(dept)
        texts = [(f.overview, f.goal, f.indicators) for f in (funds[0], funds[-1])]
    out = []
    amounts = (y.sum("project"), y.sum("fund"))
    for name, cents, (overview, goal, rows) in zip(names, amounts, texts, strict=True):
        if cents:
            chosen = indicators.choose(r, rows, [], max_count=13)
            drawn = indicators.vary(rng(seed, "projects", dept.code, y.year, name), chosen)
            out.append(Project(name, cents, localise(overview, dept, y.year), localise(goal, dept, y.year),
                               drawn))
    return out


def whole_indicators(seed: int, dept: Department, year: int) -> list[Indicator]:
    """表十四's indicators: the template's, varied; their weights add up to 100 as there."""
    rows = clean_indicators(dept_template().table(14).body[3:], DEPT_COLUMNS)
    chosen = indicators.choose(rng(seed, "whole", dept.code), rows, [], 13)
    return indicators.vary(rng(seed, "whole", dept.code, year), chosen, 100)


def plan(seed: int, dept: Department, year: int, found: list[Project]) -> FormMess:
    """Mess for a messy disclosure's forms: the shifted row always, as in the sample; a typo half the time."""
    r = rng(seed, "mess", "forms", dept.code, year)
    mess = FormMess(shifted=bool(found))
    spots = [(p.name, i, indicators.UNIT_TYPOS[ind.unit]) for p in found for i, ind in enumerate(p.indicators)
             if ind.unit in indicators.UNIT_TYPOS and not (p is found[0] and i == len(p.indicators) - 1)]
    if spots and r.random() < 0.5:
        mess.typo = r.choice(spots)
    return mess


def _row(ind: Indicator, unit: str) -> list[Cell]:
    return ["", ind.name, number_cell(str(ind.weight)), unit, ind.nature, number_cell(ind.value),
            "是" if ind.core else "否"]


def whole_form(dept: Department, y: Year, rows: list[Indicator]) -> Grid:
    """表十四: the department, its total spending, its goal, its indicators."""
    t = dept_template()
    body = t.table(14).body
    goal = body[1][1]
    if dept.code != t.code:
        goal = f"保障部门正常运转，完成{'、'.join(f.name for f in key_funds(dept)[:3])}等重点工作任务。"
    cells: list[list[Cell]] = [
        [body[0][0], dept.name, "", body[0][3], money(y.sum("total")), "", ""],
        [body[1][0], localise(goal, dept, y.year), "", "", "", "", ""],
        list(body[2]),
        *(_row(i, i.unit) for i in rows),
    ]
    return Grid(cells, merges=[*_WHOLE_MERGES, (2, 0, len(cells) - 1, 0)], bold=set(_WHOLE_LABELS),
                centred=indicator_cells(3, len(cells), 2))


def project_forms(dept: Department, found: list[Project], mess: FormMess) -> list[Grid]:
    """表十六: one form per project, laid out like the template's two (whose labels differ slightly)."""
    templates = [tb.body for tb in dept_template().tables if tb.no == 16]
    grids = []
    for n, (p, b) in enumerate(zip(found, templates, strict=False)):
        rows: list[list[Cell]] = [
            [b[0][0], p.name, "", "", b[0][4], f"{dept.code}-{dept.name}", ""],
            [b[1][0], money(p.cents), "", "", b[1][4], money(p.cents), ""],
            list(b[2]), [b[3][0], p.overview, *[""] * 5], [b[4][0], p.goal, *[""] * 5], list(b[5]),
        ]
        for i, ind in enumerate(p.indicators):
            typo = mess.typo and mess.typo[:2] == (p.name, i)
            rows.append(_row(ind, mess.typo[2] if typo else ind.unit))
        grid = Grid(rows, merges=[*PROJECT_MERGES, (5, 0, len(rows) - 1, 0)], bold=set(PROJECT_LABELS),
                    centred=indicator_cells(6, len(rows), 2))
        if n == 0 and mess.shifted:
            last = p.indicators[-1]
            grid.text_rows[len(rows) - 1] = [last.name, str(last.weight), last.unit, last.nature, last.value,
                                             "是" if last.core else "否", ""]
        grids.append(grid)
    return grids
