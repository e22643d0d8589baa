"""The 16 standard tables of a department disclosure, filled from one year of its budget.

Header rows, titles and notes are the template's (with the year and the
department put in); bodies are derived from the budget model, so every
subtotal is the sum of its rows and the same figure reads the same in every
table that shows it (表一 to 表五, 表十 against 表六/表七, 表十四 and 表十六 against
the totals).  Zero amounts are empty cells, as in the sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bench.corpus.budget import ABROAD, CAR_BUY, CAR_RUN, RECEPTION, Leaf, Year
from bench.corpus.departments import Department
from bench.corpus.layout import Cell, Num, Para
from bench.corpus.money import table_text, to_decimal
from bench.corpus.samples import TableT, dept_template, shift_years

Row = list[Cell]


def money(cents: int) -> Cell:
    """An amount cell; nil amounts are empty cells."""
    return Num(table_text(cents), to_decimal(cents)) if cents else ""


def localise(text: str, dept: Department, year: int) -> str:
    """Template text for another department and year."""
    t = dept_template()
    return shift_years(text, year).replace(t.name, dept.name).replace(f"{t.code}-", f"{dept.code}-")


def above(t: TableT, dept: Department, year: int) -> list[Para]:
    """The lines over a table: label, title, subtitle, and the 部门全称/编制单位 line with 单位 on its right.

    The export sometimes breaks the 编制单位 line in two (``编制单位:`` / ``202-…``);
    that stays in the text export and is one line elsewhere, as in the sample workbook.
    """
    lines = [localise(line, dept, year) for line in t.above]
    out: list[Para] = []
    unit: list[str] = []
    for line in lines:
        if line.startswith("部门公开表"):
            out.append(Para(line, role="label"))
        elif line.startswith(("(", "（")):
            out.append(Para(line, role="subtitle"))
        elif line.startswith("单位"):
            out.append(Para(" ".join(unit), role="unit", right=line, lines=[*unit, line]))
        elif unit or line.startswith(("部门全称", "编制单位")):
            unit.append(line)
        else:
            out.append(Para(line, role="title"))
    return out


def header(t: TableT, year: int) -> list[list[str]]:
    """The template's header rows, whose column years ("2023 年预算数") follow the document's year."""
    return [[shift_years(c, year) for c in row] for row in t.header]


def tree(values: dict[str, Sequence[int]], names: dict[str, str], levels: tuple[int, ...]) -> list[Row]:
    """A 合计 row, then class (and item) subtotal rows above their leaves, in code order."""
    width = len(next(iter(values.values()))) if values else 0

    def total(prefix: str) -> list[int]:
        return [sum(v[i] for code, v in values.items() if code.startswith(prefix)) for i in range(width)]

    rows: list[Row] = [["合计", "", *(money(x) for x in total(""))]]
    seen: set[str] = set()
    for code in sorted(values):
        for n in levels:
            if code[:n] not in seen:
                seen.add(code[:n])
                rows.append([code[:n], names[code[:n]], *(money(x) for x in total(code[:n]))])
        rows.append([code, names[code], *(money(x) for x in values[code])])
    return rows


def functional(leaves: list[Leaf], names: dict[str, str],
               columns: Callable[[Leaf], Sequence[int]]) -> list[Row]:
    """A table by functional subject (class, item, leaf) with the given amount columns per leaf."""
    return tree({leaf.code: columns(leaf) for leaf in leaves}, names, (3, 5))


def classes(y: Year, names: dict[str, str]) -> list[tuple[str, Leaf]]:
    """Functional classes with their totals (as one summed leaf each), in code order."""
    out: dict[str, Leaf] = {}
    for leaf in y.active:
        c = out.setdefault(leaf.code[:3], Leaf(leaf.code[:3], names[leaf.code[:3]]))
        c.basic, c.project, c.fund = c.basic + leaf.basic, c.project + leaf.project, c.fund + leaf.fund
    return [(code, leaf) for code, leaf in sorted(out.items())]


def table1(t: TableT, y: Year, names: dict[str, str]) -> list[Row]:
    """收支总表: the template's income labels on the left, functional classes on the right."""
    total, general, fund = y.sum("total"), y.sum("general"), y.sum("fund")
    income = {"合计": total, "一、本年收入合计": total, "一般公共预算财政拨款资金": general,
              "政府性基金预算财政拨款资金": fund}
    right: list[tuple[str, int]] = [("合计", total), ("一、本年支出合计", total)]
    right += [(leaf.name, leaf.total) for _, leaf in classes(y, names)]
    carry = next(i for i, row in enumerate(t.body) if row[2].startswith("二、"))
    right += [("", 0)] * (carry - len(right)) + [(t.body[carry][2], 0)]
    rows = []
    for i, row in enumerate(t.body):
        name, amount = right[i] if i < len(right) else ("", 0)
        rows.append([row[0], money(income.get(row[0], 0)), name, money(amount)])
    return rows


def table4(t: TableT, y: Year, names: dict[str, str]) -> list[Row]:
    """财政拨款收支总表: income by source on the left, classes by source on the right."""
    total, general, fund = y.sum("total"), y.sum("general"), y.sum("fund")
    income = {"一、本年收入": total, "收入合计": total}
    sources = {1: general, 2: fund}
    right: list[Row] = [["一、本年支出", money(total), money(general), money(fund), ""]]
    right += [[leaf.name, money(leaf.total), money(leaf.general), money(leaf.fund), ""]
              for _, leaf in classes(y, names)]
    carry = next(i for i, row in enumerate(t.body) if row[2].startswith("二、"))
    right += [["", "", "", "", ""]] * (carry - len(right)) + [[t.body[carry][2], "", "", "", ""]]
    right += [["", "", "", "", ""]] * (len(t.body) - 1 - len(right))
    right.append(["支出合计", money(total), money(general), money(fund), ""])
    rows = []
    for i, row in enumerate(t.body):
        left = income.get(row[0], sources.get(i, 0))
        cells = [row[0], money(left), *right[i]]
        if any(cells):
            rows.append(cells)
    return rows


def sangong_row(y: Year) -> Row:
    """表十's one row: 合计, 因公出国（境）费, 公务用车 小计/购置/运行, 公务接待费."""
    s = y.sangong
    return [money(sum(s.values())), money(s[ABROAD]), money(s[CAR_BUY] + s[CAR_RUN]), money(s[CAR_BUY]),
            money(s[CAR_RUN]), money(s[RECEPTION])]


def procurement_rows(t: TableT, y: Year) -> list[Row]:
    """政府采购预算明细表: 合计 and 货物/工程/服务, all from the general budget."""
    width = len(t.body[0])
    amounts = [sum(y.procurement), *y.procurement]
    return [[*row[:2], money(a), "", money(a), *[""] * (width - 5)]
            for row, a in zip(t.body, amounts, strict=True)]
