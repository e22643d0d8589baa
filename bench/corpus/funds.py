"""The yearly 重点专项预算绩效 compilation: which funds, with what names, amounts and indicators.

Funds are the real catalog's, varied by seed: a share of them renamed by
recombining real name parts (a stem such as 交通设施 with another of the
catalog's endings such as 提升改造专项), a few left out in a given year, every
amount scaled by a zone-wide yearly growth and a per-fund factor, and written
in the style its real form used (268 / 409.5 / 502.00 / 1086.61).  The catalog
shows each amount rounded to one decimal with separators, as the real one
does.  Departments and their codes are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from bench.corpus import indicators
from bench.corpus.departments import Department
from bench.corpus.money import catalog_text, form_text, rng, round_cents, scaled, to_decimal
from bench.corpus.samples import SAMPLE_YEAR, FundT, funds_template, shift_years

# endings of real fund names, longest first; a renamed fund keeps its stem and takes another ending
_ENDINGS = {
    "专项": ("惠民服务专项", "惠民补助专项", "服务管理专项", "提升改造专项", "发展建设专项",
             "基础设施建设专项", "建设专项", "发展专项", "服务专项", "管理专项", "补助专项", "专项"),
    "经费保障": ("组织经费保障", "运转经费保障", "工作经费保障", "经费保障"),
}
_RENAME_SHARE = 0.35
_ABSENT_SHARE = 0.05


@dataclass(frozen=True)
class Fund:
    """One fund of one year's compilation."""

    seq: int
    name: str
    dept: Department
    cents: int
    decimals: int
    template: FundT
    indicators: tuple[indicators.Indicator, ...]

    @property
    def form_text(self) -> str:
        return form_text(self.cents, self.decimals)

    @property
    def catalog_text(self) -> str:
        return catalog_text(self.cents)


def _ending(name: str) -> tuple[str, str] | None:
    """Split a name into stem and the family of its ending, if it has a known ending."""
    for family, endings in _ENDINGS.items():
        for ending in sorted(endings, key=len, reverse=True):
            if name.endswith(ending) and len(name) > len(ending) + 1:
                return name[: -len(ending)], family
    return None


@cache
def _names(seed: int) -> dict[int, str]:
    """Each template fund's name under this seed: duplicates disambiguated, a share recombined."""
    t = funds_template()
    count: dict[str, int] = {}
    for f in t.funds:
        count[f.name] = count.get(f.name, 0) + 1
    names = {}
    for f in t.funds:
        dept = Department(f.dept_code, t.departments[f.dept_code])
        names[f.seq] = f"{dept.short}{f.name}" if count[f.name] > 1 else f.name
    taken = set(names.values())
    r = rng(seed, "fund-names")
    for seq, name in names.items():
        split = _ending(name)
        if split is None or r.random() >= _RENAME_SHARE:
            continue
        stem, family = split
        options = [stem + e for e in _ENDINGS[family] if stem + e not in taken]
        if options:
            taken.discard(name)
            names[seq] = r.choice(options)
            taken.add(names[seq])
    return names


def _zone_factor(seed: int, year: int) -> float:
    """Zone-wide growth relative to the sample year, chained year by year."""
    factor = 1.0
    for y in range(SAMPLE_YEAR + 1, year + 1):
        factor *= rng(seed, "zone", y).uniform(0.96, 1.08)
    for y in range(year + 1, SAMPLE_YEAR + 1):
        factor /= rng(seed, "zone", y).uniform(0.96, 1.08)
    return factor


def compilation(seed: int, year: int) -> list[Fund]:
    """The funds of one year's compilation, in catalog order (by department code, then as the source)."""
    t = funds_template()
    names = _names(seed)
    zone = _zone_factor(seed, year)
    by_dept: dict[str, list[FundT]] = {}
    for f in t.funds:
        by_dept.setdefault(f.dept_code, []).append(f)
    funds: list[Fund] = []
    for f in sorted(t.funds, key=lambda f: (f.dept_code, f.seq)):
        r_year = rng(seed, "fund", f.seq, year)
        if r_year.random() < _ABSENT_SHARE:
            continue
        r_fund = rng(seed, "fund", f.seq)
        factor = zone * r_fund.uniform(0.7, 1.4) * r_year.uniform(0.9, 1.1)
        amount = scaled(f.cents, factor, f.step)
        pool = [i for other in by_dept[f.dept_code] if other is not f for i in other.indicators]
        chosen = indicators.choose(r_fund, f.indicators, pool)
        rows = tuple(replace(i, name=shift_years(i.name, year)) for i in indicators.vary(r_year, chosen))
        funds.append(Fund(len(funds) + 1, names[f.seq], Department(f.dept_code, t.departments[f.dept_code]),
                          amount, f.decimals, f, rows))
    return funds


def stated_total(funds: list[Fund], printed: dict[int, int]) -> str:
    """The 编表说明's "涉及预算资金N万元": the catalog's sum, as printed, in whole 万元 with separators.

    ``printed`` holds catalog figures that differ from their forms: the real
    compilation's total adds up its catalog, mismatched figures included.
    """
    total = sum(round_cents(printed.get(f.seq, f.cents), 10) for f in funds)
    return f"{to_decimal(round_cents(total, 100)):,.0f}"
