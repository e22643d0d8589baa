"""The narrative of a department disclosure (sections 一 to 七), its figures taken from the budget model.

Sentences keep the template's wording and its two number styles: spaced
("2024 年年初预算数 1952.98 万元") in sections 二 and 三, compact
("2024年“三公”经费预算44.8万元，比2023年减少4万元") from section 四 on.  Every
change against the previous year is computed from the previous year of the
same chain, so it agrees with the previous year's disclosure.  Sections
without figures (名词解释, the 国有资产 wording, the template department's own
duties) are the template's lines with the year and department put in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.corpus.budget import ABROAD, CAR_BUY, CAR_RUN, RECEPTION, Year
from bench.corpus.departments import Department
from bench.corpus.dept_tables import classes, localise
from bench.corpus.layout import Para
from bench.corpus.money import prose_text, rng
from bench.corpus.samples import FundT, dept_template

_NUMBERED = re.compile(r"^(\d+\.|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七]、)")
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[)）]\s*[^：:，]{1,20}。$")
_OFFICES = ("综合科", "财务科", "政策法规科", "业务一科", "业务二科", "业务三科", "监督检查科", "信息科",
            "宣传科")
_NIL_INCOMES = ("国有资本经营预算财政拨款", "财政专户管理资金", "事业收入", "上级补助收入",
                "附属单位上缴收入", "事业单位经营收入", "其他收入")


def change(cur: int, prev: int, base: str, flat: str, spaced: bool = False) -> str:
    """"比2023年减少4万元" or "较 2023 年增加 48.91 万元".

    ``base`` is the 比/较 part and ``flat`` the wording when nothing changed.
    """
    if cur == prev:
        return flat
    gap = " " if spaced else ""
    return f"{base}{'增加' if cur > prev else '减少'}{gap}{prose_text(abs(cur - prev))}{gap}万元"


def paragraphs(lines: list[str]) -> list[Para]:
    """Lines as paragraphs: headings get levels; a sentence the export broke stays broken in text only."""
    out: list[Para] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev and prev.role == "body" and not _NUMBERED.match(line) and not prev.text.endswith("。"):
            prev.lines = [*(prev.lines or [prev.text]), line]
            prev.text += line
        elif re.match(r"^[一二三四五六七]、", line):
            out.append(Para(line, role="heading", level=1))
        elif _SUBHEADING.match(line):
            out.append(Para(line, role="heading", level=2))
        else:
            out.append(Para(line))
    return out


def _basics(dept: Department, year: int, funds: list[FundT]) -> list[str]:
    """Section 一 for a department other than the template's: duties from its funds, its make-up."""
    r = rng(0, "offices", dept.code)
    duties = ["贯彻执行党和国家的方针、政策和法律、法规，落实党工委、管委会的决策部署。"]
    duties += [f"负责{re.sub(r'(专项|补贴|补助)$', '', f.name)}有关工作的组织实施和管理。" for f in funds[:5]]
    duties.append("完成党工委和管委会交办的其他任务。")
    offices = ["办公室", *r.sample(_OFFICES, r.randint(3, 7))]
    units = [f"{dept.name}{s}" for s in ("事务中心", "服务中心")[: r.randint(0, 2)]]
    lines = ["(一) 职能职责。", *(f"{i}.{d}" for i, d in enumerate(duties, start=1)), "（二）部门构成。",
             f"{dept.name}内设 {len(offices)} 个职能科室：{'、'.join(offices)}。"]
    lines.append(f"下属事业单位 {len(units)} 个：{'、'.join(units)}。" if units else "无下属事业单位。")
    lines.append(f"纳入本部门 {year} 年度预算编制的二级预算单位主要包括{'、'.join([dept.name, *units])}。")
    return lines


@dataclass
class _Figures:
    """One department-year and the year before, with the template's phrasing of each figure."""

    dept: Department
    y: Year
    prev: Year
    names: dict[str, str]

    def pair(self, attr: str) -> tuple[int, int]:
        return self.y.sum(attr), self.prev.sum(attr)

    @property
    def last(self) -> int:
        return self.y.year - 1

    def spaced(self, cur: int, prev: int, word: str = "较") -> str:
        return change(cur, prev, f"{word} {self.last} 年", f"与 {self.last} 年持平", spaced=True)

    def compact(self, cur: int, prev: int) -> str:
        return change(cur, prev, f"比{self.last}年", "与上年数持平")

    def mainly(self, *parts: tuple[str, int, int, str]) -> str:
        """"，主要是…": the parts that moved, each with its change ("" base: "减少 24.29 万元")."""
        moved = [label + change(c, p, base, "", spaced=True) for label, c, p, base in parts if c != p]
        return f"，主要是{'，'.join(moved)}。" if moved else "。"

    def income(self) -> str:
        total, p_total = self.pair("total")
        general, p_general = self.pair("general")
        fund, p_fund = self.pair("fund")
        nil = "，".join(f"{name} 0 万元" for name in _NIL_INCOMES)
        base = f"较 {self.last} 年"
        return (f"（一）收入预算：{self.y.year} 年年初预算数 {prose_text(total)} 万元，其中："
                f"一般公共预算财政拨款 {prose_text(general)} 万元，"
                f"政府性基金预算财政拨款 {prose_text(fund)} 万元，{nil}。"
                f"收入预算{self.spaced(total, p_total)}"
                + self.mainly(("一般公共预算财政拨款", general, p_general, base),
                              ("政府性基金预算财政拨款", fund, p_fund, base)))

    def spending(self) -> str:
        total, p_total = self.pair("total")
        basic, p_basic = self.pair("basic")
        project = self.y.sum("project") + self.y.sum("fund")
        p_project = self.prev.sum("project") + self.prev.sum("fund")
        by_class = "，".join(f"{leaf.name} {prose_text(leaf.total)} 万元"
                            for _, leaf in classes(self.y, self.names))
        return (f"（二）支出预算：{self.y.year} 年年初预算数 {prose_text(total)} 万元，其中：{by_class}。"
                f"支出预算{self.spaced(total, p_total)}"
                + self.mainly(("基本支出预算", basic, p_basic, ""), ("项目支出", project, p_project, "")))

    def general(self) -> str:
        (general, p_general), (basic, p_basic), (project, p_project) = (
            self.pair(a) for a in ("general", "basic", "project"))
        basic_why = ("贯彻过紧日子思想，严格压减开支" if basic < p_basic
                     else "人员经费及社会保险缴费标准调整")
        project_why = ("部分项目完成，相应支出减少" if project < p_project
                       else "重点工作任务增加，相应支出增加")
        return (f"{self.dept.name} {self.y.year} 年一般公共预算财政拨款收入 {prose_text(general)} 万元，"
                f"一般公共预算财政拨款支出 {prose_text(general)} 万元，"
                f"{self.spaced(general, p_general, '比')}，其中：基本支出 {prose_text(basic)} 万元，"
                f"{self.spaced(basic, p_basic, '比')}，主要原因是{basic_why}。"
                "主要用于保障在职人员工资福利及社会保险缴费、离休人员离休费、退休人员补助等，"
                f"保障部门正常运转的各项商品服务支出；项目支出 {prose_text(project)} 万元，"
                f"{self.spaced(project, p_project, '比')}，主要原因是{project_why}。"
                "项目支出主要用于保障涉及全区的经济社会发展方面的重点工作。")

    def fund(self, project: str) -> str:
        fund, p_fund = self.pair("fund")
        head = f"{self.dept.name} {self.y.year} 年"
        if not fund:
            return f"{head}无政府性基金预算财政拨款收入和安排的支出。"
        return (f"{head}政府性基金预算财政拨款收入 {prose_text(fund)} 万元，政府性基金预算财政拨款支出 "
                f"{prose_text(fund)} 万元，{self.spaced(fund, p_fund, '比')}，均用于项目支出。"
                f"项目支出主要用于{project}等重点工作。")

    def sangong(self) -> str:
        s, ps = self.y.sangong, self.prev.sangong
        car_why = ("贯彻过紧日子思想，严格压减三公经费支出" if s[CAR_RUN] < ps[CAR_RUN]
                   else "公务用车使用频次增加")

        def item(key: str, why: str = "") -> str:
            reason = f"，主要原因是{why}" if why and s[key] != ps[key] else ""
            return f"{key}{prose_text(s[key])}万元，{self.compact(s[key], ps[key])}{reason}"

        total, p_total = sum(s.values()), sum(ps.values())
        return (f"{self.y.year}年“三公”经费预算{prose_text(total)}万元，"
                f"{self.compact(total, p_total)}，其中："
                f"{item(ABROAD)}；{item(RECEPTION)}；{item(CAR_RUN, car_why)}；{item(CAR_BUY)}。")

    def running(self) -> str:
        cur, prev = self.y.op_cost, self.prev.op_cost
        why = "严格落实党政机关过紧日子要求，压减机关运行经费" if cur < prev else "人员增加，相应公用经费增加"
        return (f"{self.y.year}年一般公共预算财政拨款运行经费{prose_text(cur)}万元，"
                f"{self.compact(cur, prev)}，"
                f"主要原因为{why}；主要用于办公费、印刷费、邮电费、水电费、物管费、差旅费、会议费、培训费"
                "及其他商品服务支出等。")

    def procurement(self) -> str:
        goods, works, services = (prose_text(x) for x in self.y.procurement)
        total = prose_text(sum(self.y.procurement))
        kinds = f"政府采购货物预算{goods}万元，政府采购工程预算{works}万元，政府采购服务预算{services}万元"
        return (f"所属各预算单位政府采购预算总额{total}万元，其中：{kinds}。"
                f"一般公共预算拨款政府采购{total}万元，其中：{kinds}。")

    def targets(self) -> str:
        project, fund = self.y.sum("project"), self.y.sum("fund")
        funds = f"、政府性基金预算财政拨款{prose_text(fund)}万元" if fund else ""
        return (f"{self.y.year}年部门整体及所有项目支出均实行了绩效目标管理。其中，项目支出绩效目标管理涉及"
                f"一般公共预算财政拨款{prose_text(project)}万元{funds}。")


def narrative(dept: Department, y: Year, prev: Year, names: dict[str, str], funds: list[FundT],
              contact: tuple[str, str], projects: list[str]) -> list[Para]:
    """Sections 一 to 七 for one department and year, headed by the document title."""
    t = dept_template()
    f = _Figures(dept, y, prev, names)
    year = y.year
    sections = {title: [localise(line, dept, year) for line in lines] for title, lines in t.sections.items()}
    one, two, three, four, five, six, seven = list(sections)[:7]
    basics = sections[one] if dept.code == t.code else _basics(dept, year, funds)
    parts, other = sections[three], sections[five]
    lines = [
        one, *basics,
        two, f.income(), f.spending(),
        three, parts[0], f.general(), parts[2], f.fund(projects[-1] if projects else ""), parts[4],
        f"{dept.name} {year} 年无国有资本经营预算财政拨款收入和安排的支出。",
        four, f.sangong(),
        five, other[0], f.running(), other[2], f.procurement(), other[4], f.targets(), *other[6:],
        six, *sections[six],
        seven, sections[seven][0], f"部门预算公开联系人：{contact[0]} 联系方式：{contact[1]}",
        f"附表：{dept.name} {year} 年部门预算公开套表",
    ]
    return [Para(f"{dept.name} {year} 年部门预算情况说明", role="title", gap=2), *paragraphs(lines)]
