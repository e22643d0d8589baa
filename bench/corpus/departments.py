"""Departments of the generated corpus and the functional subjects each one budgets under.

Departments and their codes are the real ones: the 主管部门 of the key-fund
catalog plus the department whose disclosure is the template.  Each
department's main functional item follows the national 功能分类 scheme for
what it does (a 财政局 spends under 20106 财政事务, a 教育局 under 20501); the
template's own item (20103) is replaced by it, everything else in the
template's subject tree (pensions, medical insurance, housing fund) is common
to all departments.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.corpus.money import rng
from bench.corpus.samples import dept_template, funds_template


@dataclass(frozen=True)
class MainItem:
    """A department's main 功能分类 item: class and item with names, its 事业运行 leaf, its 99 leaf."""

    class_code: str
    class_name: str
    code: str
    name: str
    inst: str | None  # leaf suffix of 事业运行 ("50", "04") or None when the item has none
    other: str  # name of the item's 99 leaf


# keyword of the department name -> main item; first match wins, the last entry is the default
_GENERAL, _SOCIAL, _CULTURE = "一般公共服务支出", "社会保障和就业支出", "文化旅游体育与传媒支出"
_MAIN_ITEMS: tuple[tuple[tuple[str, ...], MainItem], ...] = (
    (("公安",), MainItem("204", "公共安全支出", "20402", "公安", "50", "其他公安支出")),
    (("档案",), MainItem("201", _GENERAL, "20126", "档案事务", "50", "其他档案事务支出")),
    (("组织部",), MainItem("201", _GENERAL, "20132", "组织事务", "50", "其他组织事务支出")),
    (("老干部", "党校"),
     MainItem("201", _GENERAL, "20136", "其他共产党事务支出", "50", "其他共产党事务支出")),
    (("财政局", "国有资产"), MainItem("201", _GENERAL, "20106", "财政事务", "50", "其他财政事务支出")),
    (("统计局",), MainItem("201", _GENERAL, "20105", "统计信息事务", "50", "其他统计信息事务支出")),
    (("发展改革",),
     MainItem("201", _GENERAL, "20104", "发展与改革事务", "50", "其他发展与改革事务支出")),
    (("商务局", "投资促进"), MainItem("201", _GENERAL, "20113", "商贸事务", "50", "其他商贸事务支出")),
    (("青年团", "妇女联合会", "残疾人联合会"),
     MainItem("201", _GENERAL, "20129", "群众团体事务", "50", "其他群众团体事务支出")),
    (("教育局",), MainItem("205", "教育支出", "20501", "教育管理事务", None, "其他教育管理事务支出")),
    (("科技局",),
     MainItem("206", "科学技术支出", "20601", "科学技术管理事务", None,
              "其他科学技术管理事务支出")),
    (("文化和旅游",),
     MainItem("207", _CULTURE, "20701", "文化和旅游", None, "其他文化和旅游支出")),
    (("体育",), MainItem("207", _CULTURE, "20703", "体育", None, "其他体育支出")),
    (("融媒体",), MainItem("207", _CULTURE, "20708", "广播电视", None, "其他广播电视支出")),
    (("人力资源", "社会保险"),
     MainItem("208", _SOCIAL, "20801", "人力资源和社会保障管理事务", "50",
              "其他人力资源和社会保障管理事务支出")),
    (("民政局",), MainItem("208", _SOCIAL, "20802", "民政管理事务", None, "其他民政管理事务支出")),
    (("退役军人",),
     MainItem("208", _SOCIAL, "20828", "退役军人管理事务", "50", "其他退役军人事务管理支出")),
    (("卫生健康",),
     MainItem("210", "卫生健康支出", "21001", "卫生健康管理事务", None,
              "其他卫生健康管理事务支出")),
    (("医疗保障",),
     MainItem("210", "卫生健康支出", "21015", "医疗保障管理事务", "50",
              "其他医疗保障管理事务支出")),
    (("生态环境",),
     MainItem("211", "节能环保支出", "21101", "环境保护管理事务", None,
              "其他环境保护管理事务支出")),
    (("住房和城乡建设", "城市管理"),
     MainItem("212", "城乡社区支出", "21201", "城乡社区管理事务", None,
              "其他城乡社区管理事务支出")),
    (("农林",), MainItem("213", "农林水支出", "21301", "农业农村", "04", "其他农业农村支出")),
    (("交通局",),
     MainItem("214", "交通运输支出", "21401", "公路水路运输", None, "其他公路水路运输支出")),
    (("经济和信息化",),
     MainItem("215", "资源勘探工业信息等支出", "21505", "工业和信息产业监管", "50",
              "其他工业和信息产业监管支出")),
    (("规划和自然资源",),
     MainItem("220", "自然资源海洋气象等支出", "22001", "自然资源事务", "50",
              "其他自然资源事务支出")),
    (("应急管理",),
     MainItem("224", "灾害防治及应急管理支出", "22401", "应急管理事务", "50",
              "其他应急管理支出")),
    ((),
     MainItem("201", _GENERAL, "20103", "政府办公厅（室）及相关机构事务", "50",
              "其他政府办公厅（室）及相关机构事务支出")),
)

_PREFIXES = (
    "重庆市万盛经济技术开发区",
    "中共重庆市万盛经济技术开发区工作委员会",
    "重庆市綦江区人民政府",
    "重庆市綦江区",
)
_SHORT = {
    "中国共产主义青年团重庆市万盛经济技术开发区委员会": "团区委",
    "重庆市公安局万盛经济技术开发区分局": "公安分局",
}


@dataclass(frozen=True)
class Department:
    code: str
    name: str

    @property
    def short(self) -> str:
        """How the department is named inside fund and project names (万东镇, 财政局, 管理委员会办公室)."""
        if self.name in _SHORT:
            return _SHORT[self.name]
        short = self.name
        for prefix in _PREFIXES:
            short = short.removeprefix(prefix)
        return short.removesuffix("人民政府").removesuffix("办事处")

    @property
    def main_item(self) -> MainItem:
        return next(item for keys, item in _MAIN_ITEMS if not keys or any(k in self.name for k in keys))


def all_departments() -> list[Department]:
    """Every department the corpus can hold, in code order: the catalog's and the template's own."""
    known = dict(funds_template().departments)
    template = dept_template()
    known.setdefault(template.code, template.name)
    return [Department(code, name) for code, name in sorted(known.items())]


def pick_departments(seed: int, count: int) -> list[Department]:
    """``count`` departments in a seeded order (the first N of a shuffle, so N+1 extends N)."""
    pool = all_departments()
    if not 1 <= count <= len(pool):
        raise ValueError(f"departments must be between 1 and {len(pool)} (the departments the samples name)")
    order = list(pool)
    rng(seed, "departments").shuffle(order)
    return sorted(order[:count], key=lambda d: d.code)
