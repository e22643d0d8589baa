"""The figures of one department's budget, year by year, all in cents and all consistent.

A department's years form a chain starting in 2020: each year is the previous
one moved by a seeded growth, so the 上年 figures a disclosure quotes (表五's
previous-year column, every 比上年增加/减少 in the narrative) are exactly the
figures of the previous year's disclosure of the same department.  The chain
always starts in 2020 whatever years are asked for, so a given department-year
comes out the same in every corpus made with the same seed.

Amounts start from the template (the 2024 disclosure of 管委会办公室) scaled by a
department size, and every table is derived from the functional leaves, the
cent-exact split of spending into economic subjects and the 三公 items:
subtotals are sums, never drawn on their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from bench.corpus.departments import Department
from bench.corpus.money import rng, round_cents, scaled, split
from bench.corpus.samples import DeptTemplate, dept_template

FIRST_YEAR = 2020

# 部门经济分类 → 政府经济分类 for project spending (the national correspondence); the sample's
# 表九 is exactly its 表八 mapped this way, which ``_check_template`` asserts.
PROJECT_GOV = {
    "30201": "50201", "30202": "50201", "30205": "50201", "30206": "50201", "30207": "50201",
    "30211": "50201", "30214": "50201", "30239": "50201", "30203": "50205", "30226": "50205",
    "30215": "50202", "30216": "50203", "30213": "50209", "30299": "50299", "30305": "50901",
}
# basic-spending economic subjects that equal a functional leaf (pension, annuity, housing fund, …)
_BASIC_PINS = {"30108": ("2080505",), "30109": ("2080506",), "30113": ("2210201",),
               "30302": ("2080501", "2080502"), "30305": ("2080599",)}
# the 三公 items, named as the narrative names them
ABROAD, RECEPTION = "因公出国（境）费用", "公务接待费"
CAR_RUN, CAR_BUY = "公务用车运行维护费", "公务用车购置费"


def cents(text: str) -> int:
    """A template amount ("1,952.98", "" for none) in cents."""
    return round(float(text.replace(",", "")) * 100) if text.strip() else 0


@dataclass
class Leaf:
    """A functional subject leaf: general-budget basic and project spending, and fund (project) spending."""

    code: str
    name: str
    basic: int = 0
    project: int = 0
    fund: int = 0

    @property
    def general(self) -> int:
        return self.basic + self.project

    @property
    def total(self) -> int:
        return self.general + self.fund


@dataclass
class Year:
    """One year of a department's budget."""

    year: int
    leaves: list[Leaf]
    econ_basic: dict[str, tuple[int, int]] = field(default_factory=dict)  # 30xxx -> (人员经费, 日常公用经费)
    gov_basic: dict[str, int] = field(default_factory=dict)  # 50xxx
    econ_project: dict[str, int] = field(default_factory=dict)  # 30xxx
    sangong: dict[str, int] = field(default_factory=dict)
    op_cost: int = 0  # 机关运行经费
    procurement: tuple[int, int, int] = (0, 0, 0)  # 货物, 工程, 服务

    @property
    def active(self) -> list[Leaf]:
        """Leaves with spending this year (a fund-only leaf is absent in a year without fund money)."""
        return [leaf for leaf in self.leaves if leaf.total]

    def sum(self, attr: str) -> int:
        """Total of one leaf figure ("basic", "project", "fund", "general", "total") over the leaves."""
        return sum(getattr(leaf, attr) for leaf in self.leaves)

    @property
    def gov_project(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, amount in self.econ_project.items():
            out[PROJECT_GOV[code]] = out.get(PROJECT_GOV[code], 0) + amount
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class Base:
    """What the template contributes: leaves, subject names, and the weights of economic subjects."""

    leaves: tuple[Leaf, ...]
    names: dict[str, str]
    econ_basic: dict[str, tuple[int, int]]
    gov_basic: dict[str, int]
    econ_project: dict[str, int]
    sangong: dict[str, int]


@cache
def base() -> Base:
    """The template's figures: functional leaves (表三, fund leaves from 表二), economic subjects, 三公."""
    t = dept_template()
    names: dict[str, str] = {}
    leaves = []
    fund_codes = {r[0] for r in t.table(2).body if cents(r[5]) and len(r[0]) == 7}
    for row in t.table(3).body[1:]:
        names[row[0]] = row[1]
        if len(row[0]) == 7:
            fund = row[0] in fund_codes
            leaves.append(Leaf(row[0], row[1], cents(row[3]), 0 if fund else cents(row[4]),
                               cents(row[4]) if fund else 0))

    def leaf_rows(no: int) -> list[list[str]]:
        rows = t.table(no).body[1:]
        names.update((r[0], r[1]) for r in rows)
        return [r for r in rows if len(r[0]) == 5]

    econ_basic = {r[0]: (cents(r[3]), cents(r[4])) for r in leaf_rows(6)}
    gov_basic = {r[0]: cents(r[2]) for r in leaf_rows(7)}
    econ_project = {r[0]: cents(r[2]) for r in leaf_rows(8)}
    leaf_rows(9)
    _, abroad, _, buy, run, reception = (cents(c) for c in t.table(10).body[0])
    b = Base(tuple(leaves), names, econ_basic, gov_basic, econ_project,
             {ABROAD: abroad, RECEPTION: reception, CAR_RUN: run, CAR_BUY: buy})
    _check_template(b, t)
    return b


def _check_template(b: Base, t: DeptTemplate) -> None:
    """The template's own tables obey the rules the generator relies on (else the sample changed)."""
    mapped = Year(0, [], econ_project=dict(b.econ_project)).gov_project
    sample = {r[0]: cents(r[2]) for r in t.table(9).body[1:] if len(r[0]) == 5}
    assert mapped == sample, "表九 of the sample is not its 表八 under PROJECT_GOV"
    by_code = {leaf.code: leaf for leaf in b.leaves}
    for econ, functional in _BASIC_PINS.items():
        assert b.econ_basic[econ][0] == sum(by_code[c].basic for c in functional), econ


def _main_leaves(dept: Department) -> dict[str, tuple[str, str]]:
    """Template leaf under 20103 -> the department's own leaf (code, name) under its main item."""
    item = dept.main_item
    roles = {"01": ("01", "行政运行"), "02": ("02", "一般行政管理事务"), "99": ("99", item.other)}
    if item.inst:
        roles["50"] = (item.inst, "事业运行")
    return {leaf.code: (item.code + roles[leaf.code[-2:]][0], roles[leaf.code[-2:]][1])
            for leaf in base().leaves if leaf.code.startswith("20103") and leaf.code[-2:] in roles}


def _leaves(dept: Department, r: random.Random, size: float) -> list[Leaf]:
    """The department's leaves for the first year: the template's, with its main item in place of 20103."""
    own = _main_leaves(dept)
    out = []
    for leaf in base().leaves:
        if leaf.code.startswith("20103") and leaf.code not in own:
            continue
        code, name = own.get(leaf.code, (leaf.code, leaf.name))
        factor = size * r.uniform(0.85, 1.15)
        out.append(Leaf(code, name, scaled(leaf.basic, factor), scaled(leaf.project, factor, 10),
                        scaled(leaf.fund, factor, 100)))
    return sorted(out, key=lambda leaf: leaf.code)


def subject_names(dept: Department) -> dict[str, str]:
    """Names of every subject code the department's tables show."""
    item = dept.main_item
    names = dict(base().names)
    names.update({item.class_code: item.class_name, item.code: item.name})
    names.update(_main_leaves(dept).values())
    return names


def _next_leaves(prev: list[Leaf], r: random.Random, fund_on: bool, fund_base: int) -> list[Leaf]:
    """A year's leaves from the year before: basic spending moves a little, projects and fund money more."""
    out = []
    for leaf in prev:
        fund = leaf.fund or (fund_base if leaf.code.startswith("212") and fund_base else 0)
        out.append(Leaf(leaf.code, leaf.name, scaled(leaf.basic, r.uniform(0.95, 1.06)),
                        scaled(leaf.project, r.uniform(0.75, 1.3), 10),
                        scaled(fund, r.uniform(0.6, 1.6), 100) if fund_on else 0))
    return out


def _split_basic(y: Year, r: random.Random, weights: dict[str, float]) -> None:
    """Basic spending by 部门经济分类 (表六) and 政府经济分类 (表七).

    Subjects that restate a functional leaf (pension and annuity contributions,
    housing fund, retirement pay) or a 三公 item are pinned to it; the rest of
    the basic total is split by the template's proportions, so each table adds
    up to the same basic total as 表三.
    """
    by_code = {leaf.code: leaf for leaf in y.leaves}
    pinned = {code: sum(by_code[c].basic for c in functional if c in by_code)
              for code, functional in _BASIC_PINS.items()}
    publics = {"30217": y.sangong[RECEPTION], "30231": y.sangong[CAR_RUN]}
    slots = [(code, col) for code, cells in base().econ_basic.items() for col in (0, 1)
             if cells[col] and code not in pinned and code not in publics]
    free = y.sum("basic") - sum(pinned.values()) - sum(publics.values())
    parts = split(free, [weights[f"{code}/{col}"] * r.uniform(0.9, 1.1) for code, col in slots])
    cells = {code: [0, 0] for code in base().econ_basic}
    for (code, col), amount in zip(slots, parts, strict=True):
        cells[code][col] = amount
    for code, amount in pinned.items():
        cells[code][0] = amount
    for code, amount in publics.items():
        cells[code][1] = amount
    y.econ_basic = {code: (a, b) for code, (a, b) in cells.items() if a or b}
    households = sum(sum(v) for c, v in y.econ_basic.items() if c.startswith("303"))
    gov_pins = {"50206": y.sangong[RECEPTION], "50208": y.sangong[CAR_RUN], "50905": pinned["30302"],
                "50901": households - pinned["30302"]}
    free_codes = [c for c in base().gov_basic if c not in gov_pins]
    free = y.sum("basic") - sum(gov_pins.values())
    parts = split(free, [weights[c] * r.uniform(0.9, 1.1) for c in free_codes])
    gov = {**dict(zip(free_codes, parts, strict=True)), **gov_pins}
    y.gov_basic = {c: a for c, a in sorted(gov.items()) if a}


def _sangong(prev: dict[str, int] | None, r: random.Random, size: float, room: int) -> dict[str, int]:
    """三公 items: 接待费 and 用车运行费 move or stay flat year to year; 出国 and 购车 stay nil."""
    if prev is None:
        has_car = r.random() > 0.15
        run = scaled(base().sangong[CAR_RUN], size ** 0.5 * r.uniform(0.6, 1.3), 10) if has_car else 0
        reception = scaled(base().sangong[RECEPTION], size ** 0.5 * r.uniform(0.6, 1.5), 10)
        items = {ABROAD: 0, RECEPTION: reception, CAR_RUN: run, CAR_BUY: 0}
    else:
        items = {k: v if r.random() < 0.3 else scaled(v, r.uniform(0.85, 1.12), 10) for k, v in prev.items()}
    cap = room // 10
    if items[RECEPTION] + items[CAR_RUN] > cap:
        items[RECEPTION], items[CAR_RUN] = round_cents(cap // 9, 10), round_cents(cap * 8 // 9, 10)
    return items


@cache
def chain(seed: int, dept: Department, last: int) -> dict[int, Year]:
    """The department's budget for every year from 2020 to ``last``."""
    r0 = rng(seed, "dept", dept.code)
    size = min(3.0, max(0.35, r0.lognormvariate(0, 0.5)))
    has_fund = dept.code == dept_template().code or r0.random() < 0.45
    fund_base = scaled(20000, size * r0.uniform(0.5, 2.0), 100) if has_fund else 0
    has_procurement = r0.random() < 0.5
    # the department's own proportions of economic subjects, kept from year to year
    weights = {f"{c}/{i}": v[i] * r0.uniform(0.75, 1.3) for c, v in base().econ_basic.items() for i in (0, 1)}
    for c, v in {**base().gov_basic, **base().econ_project}.items():
        weights[c] = v * r0.uniform(0.75, 1.3)
    years: dict[int, Year] = {}
    prev: Year | None = None
    for year in range(FIRST_YEAR, last + 1):
        r = rng(seed, "dept", dept.code, year)
        fund_on = has_fund and r.random() < 0.75
        if prev is None:
            leaves = _leaves(dept, r, size)
            if not fund_on:
                leaves = [Leaf(x.code, x.name, x.basic, x.project, 0) for x in leaves]
        else:
            leaves = _next_leaves(prev.leaves, r, fund_on, fund_base)
        y = Year(year, leaves)
        room = sum(leaf.basic for leaf in y.leaves if leaf.code[:3] not in ("208", "221"))
        y.sangong = _sangong(prev.sangong if prev else None, r, size, room)
        _split_basic(y, r, weights)
        codes = list(base().econ_project)
        parts = split(y.sum("project"), [weights[c] * r.uniform(0.8, 1.2) for c in codes])
        y.econ_project = {c: a for c, a in zip(codes, parts, strict=True) if a}
        public = sum(v[1] for v in y.econ_basic.values())
        y.op_cost = round_cents(round(public * r.uniform(0.55, 0.7)), 10)
        if has_procurement:
            y.procurement = (scaled(100000, size * r.uniform(0.05, 0.3), 100),
                             scaled(100000, size * r.uniform(0.1, 0.5), 100) if r.random() < 0.2 else 0,
                             scaled(100000, size * r.uniform(0.05, 0.4), 100) if r.random() < 0.6 else 0)
        years[year] = prev = y
    return years
