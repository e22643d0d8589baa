"""Question → Understanding, as a table: the key facts of the Query each wording must produce.

Every operation the engine answers is here in several wordings (formal, terse,
meeting-style with context clauses), on two stores: ``S`` the sample documents,
``G`` a generated library whose names come from its manifest (``{F1}``, ``{D1}``…
are filled in from it, see conftest.py), so those rows prove the parser learns
names from the store it is given.  A row asserts only the facts that matter for
it; any row also asserts that nothing was left not understood and nothing was
refused, unless it says otherwise.  Rows the engine gets wrong today are kept as
they should be and marked ``xfail(strict=True)`` with the reason.

Fact keys (each compares one thing of the first query part unless said):
over, shape, basis, year, years, outputs ({"measure" or "measure/agg"}),
depts (department names, each a part of one full name), groups, funds (names),
excluded (names of what is left out), bounds ({">1000"}), having ({"count>=2"}),
order (the Order fields given), derived (kind), base_year, other (facts of the
derived figure's other query), indicator (HasIndicator fields; words match by
part), name_has, contact, differ, figure_has / figure_all (a part of some / every
figure key's label), level, parts (number of parts), second (facts of part two),
refusal (parts of the refusal), unknown (words reported not understood),
context (a background clause set aside).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assistant.conversation import Conversation
from assistant.semantic.query import (
    AmountIs,
    BasesDiffer,
    ContactIs,
    FigureIs,
    FundIs,
    HasIndicator,
    InDepartments,
    InGroup,
    NameHas,
    Query,
    SeqIs,
)

MAX = {"desc": True, "limit": 1, "offset": 0, "position_of": False}
MIN = {"desc": False, "limit": 1, "offset": 0, "position_of": False}
POSITION = {"position_of": True}


def top(n: int) -> dict:
    return {"desc": True, "limit": n, "offset": 0, "position_of": False}


def bottom(n: int) -> dict:
    return {"desc": False, "limit": n, "offset": 0, "position_of": False}


def nth(n: int, desc: bool = True) -> dict:
    return {"desc": desc, "limit": 1, "offset": n - 1, "position_of": False}


# the sample compilation's towns each have a fund of this kind, named with or without the town
TOWNS = ("万东镇", "南桐镇", "关坝镇", "青年镇", "丛林镇", "石林镇", "金桥镇")
TOWN_FUNDS = {"城乡环境管理专项", *(f"{t}城乡环境管理专项" for t in TOWNS)}

ROWS: list[Any] = []


def row(store: str, question: str | tuple[str, str], **expect: Any) -> None:
    ROWS.append(pytest.param(store, question, expect, id=f"{store}{len(ROWS) + 1:03d}"))


def bug(reason: str, store: str, question: str | tuple[str, str], **expect: Any) -> None:
    ROWS.append(pytest.param(store, question, expect, id=f"{store}{len(ROWS) + 1:03d}",
                             marks=pytest.mark.xfail(reason=reason, strict=True)))


# ----- lookups: one fund's amount ---------------------------------------------------------------
row("S", "办公用房管理专项今年的预算是多少？", over="funds", outputs={"amount"}, funds={"办公用房管理专项"},
    shape="number", year=2024)
row("S", "林业资源管理专项的预算金额", outputs={"amount"}, funds={"林业资源管理专项"})
row("S", "麻烦查一下交通惠民服务专项安排了多少钱", outputs={"amount"}, funds={"交通惠民服务专项"})
row("S", "交通惠民那个专项多少钱？", outputs={"amount"}, funds={"交通惠民服务专项"})  # part of a name
row("S", "计生惠民服务专项预算是多少？", funds={"计划生育惠民服务专项"})  # abbreviation
row("S", "社会救助专项多少？", funds={"民政局社会救助专项"})  # without the department's prefix
row("S", "下午评审会要过一下医保这块，医保惠民补助专项报了多少？", outputs={"amount"},
    funds={"医保惠民补助专项"}, context="下午评审会要过一下医保这块")
row("S", "林业资源管理专项绩效目标表上的预算是多少", funds={"林业资源管理专项"}, basis="form")
row("S", "按绩效目标表口径，林业资源管理专项多少钱", funds={"林业资源管理专项"}, basis="form")  # basis alone
row("G", "{F1}今年预算多少？", over="funds", outputs={"amount"}, funds={"{F1}"}, year=2024)
row("G", "{F1}的预算是多少", outputs={"amount"}, funds={"{F1}"}, shape="number")
row("G", "请查一下{F2}安排了多少钱", outputs={"amount"}, funds={"{F2}"})
row("G", "评审会上有人问到{D3}，{F3}报了多少钱？", funds={"{F3}"}, outputs={"amount"})

# ----- sums ------------------------------------------------------------------------------------
row("S", "卫健局的专项合计多少？", over="funds", outputs={"amount/sum"}, depts={"卫生健康局"})
row("S", "残联的专项加起来多少？", outputs={"amount/sum"}, depts={"残疾人联合会"})
row("S", "城管和交通局的专项一共多少钱？", outputs={"amount/sum"}, depts={"城市管理局", "交通局"})
row("S", "所有重点专项预算总额是多少？", outputs={"amount/sum"}, depts=set(), groups=set())
row("S", "请帮我把人社局的专项加一加，总额多少", outputs={"amount/sum"}, depts={"人力资源和社会保障局"})
row("S", "下午会上要单独说一下街道层面的情况，请把万盛街道和东林街道今年报的重点专项数一数、钱加一加，"
    "给我项目个数和总金额。", outputs={"count/count", "amount/sum"}, depts={"万盛街道", "东林街道"}, parts=1)
row("G", "{F1}和{F2}一共多少钱", outputs={"amount/sum"}, funds={"{F1}", "{F2}"})
row("G", "{D2}的专项加起来多少", outputs={"amount/sum"}, depts={"{D2}"})
row("G", "{T1}和{T2}的专项一共多少钱", outputs={"amount/sum"}, depts={"{T1}", "{T2}"})
row("G", "{D1}有几个专项，合计多少？", outputs={"count/count", "amount/sum"}, depts={"{D1}"}, parts=1)

# ----- counts ----------------------------------------------------------------------------------
row("S", "农林局一共有几个专项？", over="funds", outputs={"count/count"}, depts={"农林局"})
row("S", "一共有多少个重点专项？", outputs={"count/count"}, depts=set())
row("S", "卫健局有几个专项，合计多少？", outputs={"count/count", "amount/sum"}, depts={"卫生健康局"}, parts=1)
row("G", "{T1}有几个专项", outputs={"count/count"}, depts={"{T1}"})
row("G", "{D3}的专项有多少个", outputs={"count/count"}, depts={"{D3}"})
row("G", "2023年{D1}有几个专项", outputs={"count/count"}, depts={"{D1}"}, year=2023)

# ----- averages and medians ----------------------------------------------------------------------
row("S", "卫健局专项的平均预算是多少？", outputs={"amount/avg"}, depts={"卫生健康局"})
row("S", "镇街专项平均每个多少钱？", outputs={"amount/avg"}, groups={"镇街"})
row("S", "所有专项预算的中位数是多少？", outputs={"amount/median"})
row("S", "区级部门专项金额的中位数", outputs={"amount/median"}, groups={"区级部门"})
row("G", "{D1}专项平均每个多少钱", outputs={"amount/avg"}, depts={"{D1}"})
row("G", "{T1}的专项均值是多少", outputs={"amount/avg"}, depts={"{T1}"})
row("G", "全部专项金额的中位数", outputs={"amount/median"}, depts=set())

# ----- bounds on each fund -----------------------------------------------------------------------
row("S", "超过1000万元的专项有几个？", outputs={"count/count"}, bounds={">1000"})
row("S", "预算不低于500万的专项有哪些？", bounds={">=500"}, shape="list")
row("S", "低于10万元的专项有几个？", outputs={"count/count"}, bounds={"<10"})
row("S", "不超过50万的专项有多少个", outputs={"count/count"}, bounds={"<=50"})
row("S", "500万以上的专项有几个？", bounds={">=500"})
row("S", "100万以下的专项有几个", bounds={"<=100"})
row("S", "预算正好300万的专项有哪些？", bounds={"=300"}, shape="list")
row("S", "预算在100万到500万之间的专项有几个？", bounds={">=100", "<=500"})
row("S", "100到500万的专项有几个", bounds={">=100", "<=500"})
row("S", "介于20万和50万之间的专项有几个", bounds={">=20", "<=50"})
row("S", "100万到500万之间、两头都算的专项有几个", bounds={">=100", "<=500"})
row("S",
    "100万到500万之间的专项有几个，正好100万和500万的不算", bounds={">100", "<500"})
row("S", "100万以上的专项有几个，正好100万的不算", bounds={">100"})
row("S", "不到50万的专项有几个，正好50万的也算", bounds={"<=50"})
row("S", "超过200万的专项有几个，200万整的也算进去", bounds={">=200"})
row("S", "过千万的专项有几个？", bounds={">1000"})
row("S", "上千万的专项有哪些？", bounds={">1000"}, shape="list")
row("S", "超过一千万的专项有几个？", bounds={">1000"})
row("S", "预算超过两千万的专项有几个", bounds={">2000"})
row("S", "超过1亿的专项有没有", bounds={">10000"}, shape="yesno")
row("S", "金额大于5000000元的专项有几个", bounds={">500"})
row("S", "超过500万的卫健局专项有几个", bounds={">500"}, depts={"卫生健康局"}, outputs={"count/count"})
row("G", "超过{A1}万元的专项有几个", outputs={"count/count"}, bounds={">{A1}"})
row("G", "预算不低于{A2}万的专项有哪些", bounds={">={A2}"}, shape="list")
row("G", "{A2}万以上的专项有几个", bounds={">={A2}"})
row("G", "金额在{A1}万到{A2}万之间的专项有几个", bounds={">={A1}", "<={A2}"})
row("G", "{D1}不到{A1}万的专项有几个", bounds={"<{A1}"}, depts={"{D1}"})

# ----- exclusions -------------------------------------------------------------------------------
row("S", "除卫健局外，其他部门的专项合计多少？", outputs={"amount/sum"}, excluded={"卫生健康局"}, depts=set())
row("S", "除了镇街以外的专项有几个？",
    outputs={"count/count"}, excluded={"镇街"})
row("S", "不含镇街的专项总额是多少？", outputs={"amount/sum"}, excluded={"镇街"}, groups=set())
row("S", "镇街的不算，专项一共多少？", outputs={"amount/sum"}, excluded={"镇街"})
row("S", "剔除卫健局和城管局，专项总额多少？", excluded={"卫生健康局", "城市管理局"})
row("S", "卫健局以外的部门专项合计多少", outputs={"amount/sum"}, excluded={"卫生健康局"})
row("S", "除城管外其余部门的专项一共多少钱",
    outputs={"amount/sum"}, excluded={"城市管理局"})
row("S", "刨去街道，镇的专项合计多少", groups={"镇"}, excluded={"街道"}, outputs={"amount/sum"})
bug("还剩多少 after leaving a fund out is read as a list, not the remaining total", "S",
    "不算城管那个设施维护专项，城管还剩多少", depts={"城市管理局"}, excluded={"城市管理设施维护专项"},
    outputs={"amount/sum"})
row("G", "除了{D1}，其他部门的专项合计多少", excluded={"{D1}"}, outputs={"amount/sum"})
row("G", "不含{T1}的镇街专项一共多少",
    excluded={"{T1}"}, groups={"镇街"}, outputs={"amount/sum"})
row("G", "剔除{F1}，{D1}的专项还有几个", excluded={"{F1}"}, depts={"{D1}"}, outputs={"count/count"})
row("G", "{D2}以外的区级部门专项合计多少", excluded={"{D2}"}, groups={"区级部门"})

# ----- department groups and short names ----------------------------------------------------------
row("S", "镇街的专项总共多少？", outputs={"amount/sum"}, groups={"镇街"})
row("S", "街道有几个专项？", outputs={"count/count"}, groups={"街道"})
row("S", "区级部门的专项有多少个？", outputs={"count/count"}, groups={"区级部门"})
row("S", "群团组织有几个专项？", outputs={"count/count"}, groups={"群团组织"})
row("S", "群团的专项有哪些", groups={"群团"}, shape="list")
row("S", "各镇的专项合计分别是多少？",
    over="departments", groups={"镇"}, outputs={"amount/sum"})
row("S", "各部门的专项合计各是多少",
    over="departments", outputs={"amount/sum"})
row("S", "按部门汇总专项金额，从高到低排一下",
    over="departments", outputs={"amount/sum"}, order={"desc": True, "limit": None})
row("S", "每个镇的专项多少钱", over="departments", groups={"镇"}, outputs={"amount/sum"})
row("S", "各单位有几个专项", over="departments", outputs={"count"})
row("S", "城管的专项多少钱", depts={"城市管理局"}, outputs={"amount/sum"})  # a set's amount is its total
# 其余各…: one set, not one row each
row("S", "其余各部门的专项一共多少，卫健局除外", over="funds", outputs={"amount/sum"})
# a bare 谁 asks for its subject noun, or for what is ranked; before a ranking word it asks whose
row("S", "不算城管那个设施维护的大专项，剩下的平均一个多少钱", excluded=["城市管理设施维护专项"], depts=[],
    outputs={"amount/avg"})  # the department before its fund only says whose fund is left out
row("G", "{D1}作为主管部门，名下的专项有多少项", depts={"{D1}"},
    outputs={"count/count", "amount"})  # 作为主管部门 says what the department is, asks no attribute
# 各… with a total asked adds every department's funds into one; 分别/各是 asks one each
row("S", "各镇街的城乡环境管理专项加起来一共多少钱", over="funds", outputs={"amount/sum"})
row("S", "各镇的专项合计分别是多少", over="departments", groups={"镇"}, outputs={"amount/sum"})
row("G", "各部门的专项加起来一共多少", over="funds", outputs={"amount/sum"})
# a department noun before the fund's total ranks departments; a ranking word's own noun is ranked
row("S", "部门专项合计前三名，各多少钱", over="departments", order=top(3), parts=1)
row("G", "哪三个部门专项最多", over="departments", order=top(3), outputs={"count"})
row("S", "专项按金额排，第五名是谁", over="funds", order=nth(5))
row("S", "第三名的专项是谁", over="funds", order=nth(3))
row("S", "专项最多的是谁", over="departments", outputs={"count"})
row("G", "预算最少的专项是谁", over="funds", order=MIN)
row("S", "各镇都安排了城乡环境管理专项，比较一下各镇这块的预算，哪个镇最多", over="departments",
    groups={"镇"},
    second={"over": "departments", "groups": {"镇"}, "outputs": {"amount/sum"}, "funds": TOWN_FUNDS})
# the group named again keeps its narrowing and its measure
row("S", "卫健委有几个专项", depts={"卫生健康局"})
row("S", "城管的专项合计", depts={"城市管理局"})
row("S", "人社局专项一共多少钱", depts={"人力资源和社会保障局"})
row("S", "规资局几个专项", depts={"规划和自然资源局"})
row("S", "住建局有几个专项", depts={"住房和城乡建设局"})
row("S", "发改委专项合计多少", depts={"发展改革局"})
row("S", "团委的专项多少钱", depts={"共产主义青年团"})
row("S", "妇联有几个专项", depts={"妇女联合会"})
row("S", "经信局专项多少", depts={"经济和信息化局"})
row("S", "文旅局的专项是多少钱", depts={"文化和旅游发展局"})
row("S", "万东镇有几个专项", depts={"万东镇"})
row("G", "{T1}、{T2}两个镇的专项一共几个", depts={"{T1}", "{T2}"}, outputs={"count/count"})
row("G", "镇街一共有多少个专项", groups={"镇街"}, outputs={"count/count"})
row("G", "群团组织的专项合计多少", groups={"群团组织"}, outputs={"amount/sum"})

# ----- rankings ---------------------------------------------------------------------------------
row("S", "哪个部门的专项预算最多？", over="departments", outputs={"amount/sum"}, order=MAX, shape="which")
row("S", "专项总额最少的部门是哪个？", over="departments", outputs={"amount/sum"}, order=MIN)
row("S", "专项预算排第三的是哪个？", over="funds", order=nth(3), shape="which")
row("S", "预算最多的前五个专项", over="funds", order=top(5))
row("S", "倒数第二的专项是哪个", over="funds", order=nth(2, desc=False))
row("S", "预算最少的专项是哪个", over="funds", order=MIN)
row("S", "卫健局预算最高的专项是哪个？", over="funds", order=MAX, depts={"卫生健康局"})
row("S", "后三名的专项是哪几个", over="funds", order=bottom(3))
row("S", "镇街里专项总额最少的是哪个？", over="departments", order=MIN, groups={"镇街"})
row("S", "哪个镇的专项最多？", over="departments", order=MAX, groups={"镇"})
row("S", "哪三个镇街的专项总额最高", over="departments", order=top(3), groups={"镇街"},
    outputs={"amount/sum"})
row("S", "区级部门中专项最多的是哪个部门？", over="departments", order=MAX, groups={"区级部门"})
row("S", "除了农林局，哪个部门专项最多？", over="departments", order=MAX, excluded={"农林局"})
row("S",
    "专项个数最多的部门是哪个", over="departments", outputs={"count"}, order=MAX)
row("S", "专项最少的三个部门",
    over="departments", order=bottom(3))
row("S", "专项金额第二高的部门",
    over="departments", outputs={"amount/sum"}, order=nth(2))
row("G", "{D1}预算最高的专项是哪个", over="funds", order=MAX, depts={"{D1}"})
row("G", "{T1}哪个专项最少", over="funds", order=MIN, depts={"{T1}"})
row("G", "预算排第二的专项是哪个", over="funds", order=nth(2))
row("G", "哪个部门的专项总额最高", over="departments", order=MAX, outputs={"amount/sum"})
row("G", "镇街里专项总额最少的是哪个", over="departments", order=MIN, groups={"镇街"})
row("G", "专项金额最小的三个专项", over="funds", order=bottom(3))
row("S", "各部门专项合计从高到低排一下", over="departments", outputs={"amount/sum"}, order=top(None))
row("S", "把部门按专项总额排个序", over="departments", outputs={"amount/sum"}, order=top(None))
row("S", "镇街专项总额从低到高排一下", over="departments", groups={"镇街"}, order=bottom(None))
row("S", "卫健局的专项按金额从大到小排列", over="funds", depts={"卫生健康局"}, order=top(None))
row("G", "{T1}的专项从小到大排一下", over="funds", depts={"{T1}"}, order=bottom(None))
row("G", "区级部门按专项合计由高到低排个序", over="departments", groups={"区级部门"}, order=top(None))
row("S", "哪几个部门的专项数量并列第一", over="departments", outputs={"count"}, order=MAX)
row("S", "专项个数并列最多的部门有哪些",
    over="departments", outputs={"count"}, order=MAX, shape="list")
row("S",
    "预算最多的前三个部门，并列的都列出来", over="departments", outputs={"amount/sum"}, order=top(3))

# ----- positions ---------------------------------------------------------------------------------
row("S", "人社局专项合计在各部门中排第几？", over="departments", order=POSITION,
    depts={"人力资源和社会保障局"}, outputs={"amount/sum"})
row("S", "交通惠民服务专项在所有专项中排第几", over="funds", order=POSITION, funds={"交通惠民服务专项"})
row("S", "万东镇的专项合计在镇街里排老几", over="departments", order=POSITION, depts={"万东镇"})
row("G", "{F1}在所有专项中排第几", over="funds", order=POSITION, funds={"{F1}"})
row("G", "{D2}的专项总额在所有部门里排第几", over="departments", order=POSITION, depts={"{D2}"})

# ----- conditions on each department's funds (HAVING) ------------------------------------------------
row("S", "只有1个专项的部门有几个？", over="departments", having={"count=1"}, outputs={"count/count"})
row("S", "专项不少于2个的部门有哪些？", over="departments", having={"count>=2"}, shape="list")
row("S", "有两个及以上专项的部门有几个", over="departments", having={"count>=2"}, outputs={"count/count"})
row("S", "专项合计超过1000万的部门有几个", over="departments", having={"sum>1000"}, outputs={"count/count"})
row("S", "合计超过2000万元的单位有哪些", over="departments", having={"sum>2000"}, shape="list")
row("S", "只有一个专项的镇有哪些", over="departments", having={"count=1"}, groups={"镇"})
row("S",
    "专项数量在3个以上的部门有哪些", over="departments", having={"count>=3"}, shape="list")
row("G", "只有一个专项的部门有几个", over="departments", having={"count=1"}, outputs={"count/count"})
row("G", "专项合计超过{A2}万的部门有几个", over="departments", having={"sum>{A2}"})
row("G", "有三个及以上专项的镇有哪些", over="departments", having={"count>=3"}, groups={"镇"})

# ----- shares, multiples, differences ----------------------------------------------------------------
row("S", "卫健局专项占全部专项的比例是多少？", derived="share", depts={"卫生健康局"},
    other={"depts": set(), "outputs": {"amount/sum"}})
row("S", "农业生产发展专项占农林局专项总额的多少？", derived="share", funds={"农业生产发展专项"},
    other={"depts": {"农林局"}})
row("S", "镇街专项占全区的比重", derived="share", groups={"镇街"}, other={"groups": set()})
row("S", "万东镇的专项占镇街的比例", derived="share", depts={"万东镇"}, other={"groups": {"镇街"}})
row("S", "城管专项是残联的几倍？", derived="multiple", depts={"城市管理局"},
    other={"depts": {"残疾人联合会"}})
row("S", "卫健局专项总额是残联的多少倍", derived="multiple", depts={"卫生健康局"},
    other={"depts": {"残疾人联合会"}})
row("S", "卫健局比城管局的专项多多少？", derived="difference", depts={"卫生健康局"},
    other={"depts": {"城市管理局"}})
row("S", "交通惠民服务专项比交通设施建设专项多多少", derived="difference", funds={"交通惠民服务专项"},
    other={"funds": {"交通设施建设专项"}})
row("G", "{F1}占{D1}专项总额的比例是多少", derived="share", funds={"{F1}"}, other={"depts": {"{D1}"}})
row("G", "{F1}比{F2}少多少", derived="difference", funds={"{F1}"}, other={"funds": {"{F2}"}})
row("G", "{F2}是{F1}的几倍", derived="multiple", funds={"{F2}"}, other={"funds": {"{F1}"}})
row("G", "{D1}的专项占全部专项的百分之几", derived="share", depts={"{D1}"}, other={"depts": set()})
row("G", "{T1}和{T2}的专项差多少", derived="difference", depts={"{T1}"}, other={"depts": {"{T2}"}})

# ----- indicators ------------------------------------------------------------------------------
row("S", "残疾事业服务专项的核心指标有哪些？", over="indicators", indicator={"core": True},
    funds={"残疾事业服务专项"}, shape="list")
row("S", "办公用房管理专项的绩效指标有哪些", over="indicators", funds={"办公用房管理专项"})
row("S", "办公用房管理专项有几个核心指标？", over="indicators", outputs={"count/count"},
    indicator={"core": True}, funds={"办公用房管理专项"})
row("S", "满意度指标设为核心的专项有几个？", over="funds", outputs={"count/count"},
    indicator={"words": {"满意"}, "core": True})
row("S", "满意度目标不低于95%的专项有哪些", over="funds", indicator={"words": {"满意"}, "value": ">=95"})
row("S", "权重最高的指标是哪个", over="indicators", outputs={"weight"}, order=MAX)
row("S", "权重20%以上的指标有几个", over="indicators", outputs={"count/count"}, indicator={"weight": ">=20"})
row("S", "哪个专项的绩效指标最多？", over="funds", outputs={"indicator_count"}, order=MAX)
row("S", "合格率类指标里哪个权重最大", over="indicators", outputs={"weight"}, order=MAX,
    indicator={"words": {"合格"}})
row("G", "{F1}的核心指标有哪些", over="indicators", indicator={"core": True}, funds={"{F1}"})
row("G", "{F1}有几个核心指标", over="indicators", outputs={"count/count"}, funds={"{F1}"})
row("G", "{F2}的绩效指标有哪些", over="indicators", funds={"{F2}"}, shape="list")
row("G", "满意度指标是核心指标的专项有几个", over="funds", indicator={"words": {"满意"}, "core": True})

# ----- names, disagreements, contacts ------------------------------------------------------------------
bug("名称里带“…”的专项有几个 leaves 有几个 not understood", "S", "名称里带“惠民”的专项有几个",
    name_has="惠民", outputs={"count/count"})
row("S", "名字里有“招商引资”的专项合计多少", name_has="招商引资", outputs={"amount/sum"})
row("S", "目录和绩效目标表金额不一致的专项有哪些", differ=True, shape="list")
row("S", "陈虹宇负责哪些专项？", contact="陈虹宇", over="funds")
row("S", "48281958是哪个专项的电话？", contact="48281958", over="funds")
row("S", "哪个联系人负责的专项最多？", over="contacts", outputs={"count/count"}, order=MAX)
bug("专项有几个 after a phone number is left not understood", "S", "联系电话48285871对应的专项有几个",
    contact="48285871", outputs={"count/count"})
row("G", "{C1}负责哪些专项", contact="{C1}", over="funds")
row("G", "{P1}是哪个专项的电话", contact="{P1}")
row("G", "名称中含“补助”的专项合计多少", name_has="补助", outputs={"amount/sum"})
row("G", "名字里有“提升改造”的专项有哪些", name_has="提升改造", shape="list")
bug("a quoted name word that is also an indicator word is read as an indicator condition", "S",
    "名称中含“补助”的专项合计多少", name_has="补助", outputs={"amount/sum"})
bug("a quoted name word that is also an indicator word is read as an indicator condition", "G",
    "名称里带“发展”的专项合计多少", name_has="发展", outputs={"amount/sum"})

# ----- attributes ------------------------------------------------------------------------------
row("S", "残疾事业服务专项的联系人和电话", outputs={"contact", "phone"}, funds={"残疾事业服务专项"},
    shape="text")
row("S", "办公用房管理专项的项目概况是什么？", outputs={"overview"}, funds={"办公用房管理专项"})
row("S", "交通惠民服务专项的主管部门是哪个", outputs={"department"}, funds={"交通惠民服务专项"})
row("S", "林业资源管理专项有绩效目标表吗", outputs={"form"}, funds={"林业资源管理专项"})
row("S", "医保惠民补助专项的当年绩效目标", outputs={"goal"}, funds={"医保惠民补助专项"})
row("S", "交通惠民那个专项的全称是什么", outputs={"name"}, funds={"交通惠民服务专项"})
row("S", "序号36的专项是哪个部门的", seq=36)
row("S", "人社局预算最高的那个专项，联系人是谁？", parts=2, order=MAX, depts={"人力资源和社会保障局"},
    second={"funds": {"<ref>"}, "outputs": {"contact"}})
row("S", "序号50的专项名称是什么", seq=50, outputs={"name"})
row("S", "序号为12的专项多少钱", seq=12, outputs={"amount/sum"})
row("S", "序号99999999999999999999999的专项是什么", seq=99999999999999999999999)
row("G", "{F1}的联系人和电话", outputs={"contact", "phone"}, funds={"{F1}"})
row("G", "{F1}的项目概况是什么", outputs={"overview"}, funds={"{F1}"})
row("G", "{F3}归哪个主管部门", outputs={"department"}, funds={"{F3}"})
row("G", "{D1}预算最多的专项，联系电话是多少", parts=2, order=MAX, second={"outputs": {"phone"}})

# ----- department-budget figures ----------------------------------------------------------------
row("S", "办公室三公经费是多少？", over="figures", depts={"管理委员会办公室"}, figure_has="三公")
row("S", "办公室三公经费比去年少了多少？", over="figures", derived="change", figure_has="三公")
row("S", "机关运行经费是多少", over="figures", figure_all="运行经费")
row("S", "住房公积金多少", over="figures", figure_all="住房公积金")
row("S", "2010301行政运行是多少", over="figures", figure_all="行政运行")
row("S", "卫生健康支出（210）23年和今年各多少？", over="figures", years=(2023, 2024),
    figure_all="卫生健康支出")
row("S", "2023年的一般公共服务支出是多少", over="figures", year=2023, figure_all="一般公共服务支出")
row("S", "人员经费和日常公用经费各多少", parts=2, figure_all="人员经费",
    second={"figure_all": "日常公用经费"})
row("S", "三公经费由哪些构成", over="figures", outputs={"parts"}, figure_has="三公")
row("S", "基本支出里哪个科目最多", over="figures", outputs={"children"}, order=MAX)
row("S", "三公经费里公务接待费占多少", derived="share", figure_all="公务接待费", other={"figure_has": "三公"})
row("S", "一般公共服务支出比2023年增加了多少", derived="change", base_year=2023,
    figure_all="一般公共服务支出")
row("S", "政府采购预算是多少", over="figures", figure_all="政府采购")
row("S", "办公室的基本支出是多少", over="figures", figure_has="合计（表6，基本支出/总计）")
row("S", "办公室项目支出多少", over="figures", figure_has="合计（表8，项目支出）")
row("S", "2023年办公室的一般公共预算财政拨款支出是多少", over="figures", year=2023,
    figure_all="一般公共预算财政拨款支出")
bug("三公经费占基本支出的比例 loses the share and matches 办公经费", "S", "三公经费占基本支出的比例",
    over="figures", derived="share", figure_has="三公")
bug("基本支出中三公经费占多大比重 takes 办公经费 for 三公经费", "S", "基本支出中三公经费占多大比重",
    over="figures", derived="share", figure_has="三公")
row("S", "表六合计是多少", over="figures", figure_has="合计")  # a table named by its number
row("S", "第六张表的合计", over="figures", figure_has="合计")
row("S", "表六里的工资福利支出", over="figures", figure_has="工资福利支出")
bug("办公费在基本支出和项目支出中各多少 drops the 项目支出 figure", "S", "办公费在基本支出和项目支出中各多少",
    over="figures", figure_has="@8")
bug("的项级科目有哪些 asks for the figure itself, not its 项级 subjects", "S",
    "一般公共服务支出的项级科目有哪些",
    over="figures", outputs={"parts"}, level=7)
row("G", "{DB}三公经费是多少", over="figures", depts={"{DB}"}, figure_has="三公")
row("G", "{DB}三公经费比去年少了多少", over="figures", derived="change", figure_has="三公")
row("G", "{DB}的机关运行经费是多少", over="figures", figure_all="运行经费")
row("G", "{DB}2023年的项目支出是多少", over="figures", year=2023, figure_has="项目支出")
row("G", "{DB}的住房公积金是多少", over="figures", figure_all="住房公积金")
row("G", "{DB}的三公经费由哪些构成", over="figures", outputs={"parts"})
row("G", "{DB}基本支出里哪个科目最多", over="figures", outputs={"children"}, order=MAX)
row("G", "{DB2}的公务接待费是多少", over="figures", depts={"{DB2}"}, figure_all="公务接待费")
row("G", "{DB}和{DB2}的三公经费各多少", over="figures", depts={"{DB}", "{DB2}"}, figure_has="三公")
row("G", "{D1}的三公经费是多少", refusal=["{D1}", "{DB}"])
row("G", "哪个部门的三公经费最多", over="figures", order=MAX, figure_has="三公")
row("G", "三公经费最少的部门是哪个", over="figures", order=MIN, figure_has="三公")
row("G", "各部门的机关运行经费从高到低排一下", over="figures", order=top(None), figure_all="运行经费")
bug("a department's place in a ranking of department-budget figures leaves 排第几 not understood", "G",
    "{DB}的三公经费在各部门中排第几", over="figures", order=POSITION, depts={"{DB}"})

# ----- years -----------------------------------------------------------------------------------
row("S", "教育局2022年的专项合计多少？", refusal=["2024年", "2022年"])
row("S", "民政局前年的专项一共多少？", refusal=["2024年", "2022年"])
row("S", "去年卫健局专项合计多少", refusal=["2024年", "2023年"])
row("S", "明年的专项预算有多少", refusal=["2025年"])
row("S", "今年卫健局专项合计多少", year=2024, depts={"卫生健康局"})
row("S", "2024年农林局有几个专项", year=2024, outputs={"count/count"})
row("S", "办公室2022年的三公经费是多少", refusal=["2023年、2024年", "2022年"])
row("S", "规资局哪个专项比上年增长最多？", refusal=["2023年"])
row("G", "去年{D1}的专项合计多少", year=2023, depts={"{D1}"}, outputs={"amount/sum"})
row("G", "前年{D1}的专项合计多少", refusal=["2023年、2024年", "2022年"])
row("G", "2022年{F1}预算多少", refusal=["2023年、2024年", "2022年"])
row("G", "2023年{F1}的预算是多少", year=2023, funds={"{F1}"})
row("G", "{F1}比上年增加了多少", derived="change", base_year=2023, funds={"{F1}"})
row("G", "今年{T1}有几个专项", year=2024, depts={"{T1}"})

# ----- kinds of figure the store does not hold -------------------------------------------------------
row("S", "卫健局专项的决算数是多少", refusal=["决算"])
row("S", "城管专项执行了多少", refusal=["执行"])
row("S", "农林局专项实际花了多少钱", refusal=["预算数"])
row("S", "办公室的三公经费决算是多少", refusal=["决算"])
row("G", "{D1}专项的决算是多少", refusal=["决算"])
row("G", "{F1}的执行进度怎么样", refusal=["执行"])

# ----- measures nobody defined: not understood, no figure --------------------------------------------
row("S", "城管局专项的碳足迹是多少？", unknown={"足迹"})
row("S", "农林局专项里哪个的人均补助最高？", unknown={"人均"})
row("S", "卫健局专项联系人的年龄多大", unknown={"年龄"})
row("S", "单条子指标权重最高的是哪条？权重多少？", unknown={"子"})  # the clause after leans on it: no figure
row("S", "对接专项最多的那位同志是谁，对应几个专项？", over="contacts", order=MAX, parts=1)
row("G", "哪个部门专项最多？有几个？", over="departments", order=MAX, parts=1)  # the count it ranked by
row("S", "全部指标里，权重前三的是哪些", over="indicators", order=top(3))
row("S", "权重最高的指标是哪条？权重多少？", over="indicators", order=MAX, parts=1)  # asked once, said once
row("S", "交通局专项的人均投入是多少", unknown={"人均"})
row("G", "{D1}专项的人均补助是多少", unknown={"人均"})
row("G", "{F1}的碳足迹是多少", unknown={"足迹"})
row("G", "{T1}专项的年龄结构如何", unknown={"年龄"})

# ----- follow-ups in a conversation -------------------------------------------------------------------
row("S", ("卫健局有几个专项？", "那它们合计多少？"), outputs={"amount/sum"}, depts={"卫生健康局"})
row("S", ("卫健局有几个专项？", "这些专项一共多少钱"), outputs={"amount/sum"}, depts={"卫生健康局"})
row("S", ("农林局专项合计多少？", "那平均每个多少？"), outputs={"amount/avg"}, depts={"农林局"})
row("S", ("城管专项合计多少？", "那去年呢？"), refusal=["2023年"])
row("S", ("卫健局有几个专项？", "城管局呢？"), outputs={"count/count"}, depts={"城市管理局"})
row("S", ("交通惠民服务专项多少钱？", "它的项目概况呢"), outputs={"overview"}, funds={"交通惠民服务专项"})
row("S", "它的联系人是谁", refusal=["它"])  # nothing before it to point at: asked back
row("S", ("交通惠民服务专项多少钱？", "它的联系人是谁？"), outputs={"contact"}, funds={"交通惠民服务专项"})
row("S", ("交通惠民服务专项多少钱？", "那它的主管部门是哪个"), outputs={"department"},
    funds={"交通惠民服务专项"})
row("S", ("农林局专项合计多少？", "那人社局呢？"), outputs={"amount/sum"}, depts={"人力资源和社会保障局"})
bug("那最少的呢 after a ranking of departments ranks funds", "S",
    ("哪个部门的专项预算最多？", "那最少的呢？"), over="departments", order=MIN)
bug("其中… keeps the department but drops the bound of the question before", "S",
    ("超过1000万元的专项有几个？", "其中卫健局的有几个？"), bounds={">1000"}, depts={"卫生健康局"})
bug("比去年呢 after a department-budget figure is read as key special funds", "S",
    ("办公室三公经费是多少？", "比去年呢？"), over="figures", derived="change")
row("G", ("{D1}有几个专项？", "那它们合计多少？"), outputs={"amount/sum"}, depts={"{D1}"})
row("G", ("{D1}有几个专项？", "{D2}呢？"), outputs={"count/count"}, depts={"{D2}"})
row("G", ("{F1}多少钱？", "它的联系人呢"), outputs={"contact"}, funds={"{F1}"})
row("G",
    ("{D1}专项合计多少？", "那去年呢？"), year=2023, depts={"{D1}"}, outputs={"amount/sum"})
row("G", ("{T1}有几个专项？", "它们的平均值呢"), outputs={"amount/avg"}, depts={"{T1}"})


# ----- checking ------------------------------------------------------------------------------------

def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _bound(b) -> str | None:
    return f"{b.op}{_num(b.value)}" if b is not None else None


def facts(query: Query, model) -> dict[str, Any]:
    """The key facts of one query part, in the vocabulary of the rows."""
    out: dict[str, Any] = {
        "over": query.over, "shape": query.shape, "basis": query.basis, "year": query.year,
        "years": query.years,
        "outputs": {o.measure + (f"/{o.agg}" if o.agg else "") for o in query.outputs},
        "depts": [], "groups": set(), "funds": set(), "excluded": [], "bounds": set(), "level": query.level,
        "having": {f"{h.measure}{_bound(h.bound)}" for h in query.having},
        "name_has": None, "contact": None, "differ": False, "indicator": None, "figure_keys": [],
        "seq": None,
    }
    for f in query.filters:
        if isinstance(f, InDepartments):
            out["depts"] += [model.departments[i].name for i in f.ids]
        elif isinstance(f, InGroup):
            out["groups"].add(f.name)
        elif isinstance(f, FundIs):
            out["funds"] |= {"<ref>"} if f.ref else set(f.names)
        elif isinstance(f, AmountIs):
            out["bounds"].add(_bound(f.bound))
        elif isinstance(f, NameHas):
            out["name_has"] = f.word
        elif isinstance(f, SeqIs):
            out["seq"] = f.seq
        elif isinstance(f, ContactIs):
            out["contact"] = f.contact or f.phone
        elif isinstance(f, BasesDiffer):
            out["differ"] = True
        elif isinstance(f, HasIndicator):
            out["indicator"] = f
        elif isinstance(f, FigureIs):
            out["figure_keys"] += [k.label() + (f"@{k.table_no}" if k.source == "line" else "")
                                   for k in f.keys]
    for f in query.exclusions:
        if isinstance(f, InDepartments):
            out["excluded"] += [model.departments[i].name for i in f.ids]
        elif isinstance(f, InGroup):
            out["excluded"].append(f.name)
        elif isinstance(f, FundIs):
            out["excluded"] += list(dict.fromkeys(f.names))
    out["order"] = query.order
    out["derived"] = query.derived
    return out


def _parts_match(expected: set[str], actual: list[str]) -> bool:
    """Each expected name is part of one actual name, one to one (full names hold the short ones)."""
    left = list(dict.fromkeys(actual))
    if len(left) != len(expected):
        return False
    for name in sorted(expected, key=len, reverse=True):
        hit = next((a for a in left if name in a), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


EQUAL = ("over", "shape", "basis", "year", "years", "outputs", "groups", "funds", "bounds", "having",
         "name_has", "contact", "differ", "level", "seq")


def check_part(query: Query, expect: dict[str, Any], model) -> None:
    got = facts(query, model)
    for key, want in expect.items():
        if key in EQUAL:
            assert got[key] == want, f"{key}: {got[key]!r} != {want!r}"
        elif key in ("depts", "excluded"):
            assert _parts_match(want, got[key]), f"{key}: {got[key]!r} does not match {want!r}"
        elif key == "order":
            order = got["order"]
            assert order is not None, "no order"
            assert {k: getattr(order, k) for k in want} == want, f"order: {order!r} != {want!r}"
        elif key == "derived":
            assert got["derived"] is not None and got["derived"].kind == want, f"derived: {got['derived']!r}"
        elif key == "base_year":
            derived = got["derived"]
            assert derived is not None and derived.base_year == want, f"base year: {derived!r}"
        elif key == "other":
            other = got["derived"].other if got["derived"] is not None else None
            assert other is not None, "no other query"
            check_part(other, want, model)
        elif key == "indicator":
            ind = got["indicator"]
            assert ind is not None, "no indicator condition"
            for field, value in want.items():
                if field == "words":
                    assert all(any(w in word for word in ind.words) for w in value), f"words: {ind.words!r}"
                elif field in ("value", "weight"):
                    assert _bound(getattr(ind, field)) == value, f"{field}: {getattr(ind, field)!r}"
                else:
                    assert getattr(ind, field) == value, f"{field}: {getattr(ind, field)!r}"
        elif key == "figure_has":
            keys = got["figure_keys"]
            assert any(want in k for k in keys), f"no figure key with {want}: {keys}"
        elif key == "figure_all":
            keys = got["figure_keys"]
            assert keys and all(want in k for k in keys), f"not every figure key has {want}: {keys}"
        else:
            raise KeyError(key)


def fill(value: Any, names: dict[str, str]) -> Any:
    """A row's question and expectations with the generated names filled in."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, set | list | tuple):
        return type(value)(fill(v, names) for v in value)
    return value


PART_ONLY = ("parts", "second", "refusal", "unknown", "context")


@pytest.mark.parametrize(("store", "question", "expect"), ROWS)
def test_question_is_understood_as(store, question, expect, request):
    if store == "G":
        library = request.getfixturevalue("library")
        engine = request.getfixturevalue("library_engine")
        question, expect = fill(question, library.names), fill(expect, library.names)
    else:
        engine = request.getfixturevalue("sample_engine")
    conversation = None
    if isinstance(question, tuple):
        first, question = question
        conversation = Conversation()
        engine.ask(first, conversation)
    understanding = engine.understand(question, conversation)
    if "refusal" in expect:  # the engine answers a refused question with the refusal alone
        for words in expect["refusal"]:
            assert words in understanding.refusal, understanding.refusal
        return
    if "unknown" in expect:
        assert not understanding.parts, understanding.to_json()
        assert expect["unknown"] <= set(understanding.unknown), understanding.unknown
        return
    assert not understanding.refusal, understanding.refusal
    assert not understanding.unknown, understanding.unknown
    assert understanding.parts, "no query"
    if "parts" in expect:
        assert len(understanding.parts) == expect["parts"], understanding.to_json()
    if "context" in expect:
        assert any(expect["context"] in c for c in understanding.context_unused), understanding.context_unused
    if "second" in expect:
        check_part(understanding.parts[1], expect["second"], engine.model)
    check_part(understanding.parts[0], {k: v for k, v in expect.items() if k not in PART_ONLY}, engine.model)


def test_the_table_stays_large_with_rows_on_the_generated_library():
    """The table must keep covering the operations in many wordings, with rows on the generated library."""
    stores = [p.values[0] for p in ROWS]
    assert len(ROWS) >= 220
    assert stores.count("G") >= 60
