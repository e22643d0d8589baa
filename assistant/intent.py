"""Question understanding: Chinese budget questions → an ``Intent`` (data, never SQL).

The cues are the ordinary words reviewers use for each operation (排第几, 最多,
加起来, 几个, 差多少, 占比, 有哪些, 超过…万, 联系人, 核心指标, 比2023年…), and the
entities come from the vocabulary linker.  Nothing here knows any particular
question; the same cues serve any district's documents.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal

from assistant.format import cn_number
from assistant.vocabulary import Department, Fund, Span, Vocabulary

_NUM = r"(\d+(?:\.\d+)?)"
_CN = r"([零一二两三四五六七八九十\d]+)"
THRESHOLDS = [
    (re.compile(_NUM + r"\s*万元?(?:及|或)以上"), ">="),
    (re.compile(r"(?:不少于|不低于|至少)\s*" + _NUM + r"\s*万"), ">="),
    (re.compile(r"(?:超过|多于|大于|高于|超出|(?<![超])过)了?\s*" + _NUM + r"\s*万"), ">"),
    (re.compile(_NUM + r"\s*万元?以上"), ">"),
    (re.compile(_NUM + r"\s*万元?(?:及|或)以下"), "<="),
    (re.compile(r"(?:不超过|不高于|至多)\s*" + _NUM + r"\s*万"), "<="),
    (re.compile(r"(?:不到|不足|少于|小于|低于)\s*" + _NUM + r"\s*万"), "<"),
    (re.compile(_NUM + r"\s*万元?以下"), "<"),
    (re.compile(r"(?:正好|恰好|刚好|等于|就是|是)\s*" + _NUM + r"\s*万"), "="),
]
# 千万 / 百万 as round bounds ("过千万的", "上百万的") are 1000万 / 100万
_ROUND_AMOUNTS = re.compile(r"(超过|过|上|不到|不足|低于|高于|多于|少于)(千万|百万)")
_ROUND_VALUES = {"千万": "1000万", "百万": "100万"}
# the comparisons the bounds above name, one table for every plan that applies a bound
COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}
_RANGE = re.compile(_NUM + r"\s*万?元?\s*(?:到|至|~|～|－|-)\s*" + _NUM + r"\s*万")
_RANK_POSITION = re.compile(
    r"排(?:在)?第几|第几(?:名|位|大|多)|排名(?:多少|第几|如何|怎样)|名次|排老几|排多少"
)
_NTH = re.compile(
    r"(?:排(?:在)?|第)" + _CN
    + r"(?![\d零一二两三四五六七八九十次届批期轮季章条款号页天年月日项])(?:名|位|的|大|多|高)?"
)
# a catalog entry by its number: 序号69, 目录第69项
_SEQ = re.compile(r"序号\s*(?:为|是)?\s*(\d+)|目录.{0,6}第\s*(\d+)\s*(?:项|个|条|行)")
_TOPK = re.compile(r"(?:前|最(?:多|大|高)的)" + _CN + r"(?:个|名|位|项)?")
_BOTTOMK = re.compile(r"(?:后|倒数|最(?:少|小|低)的)" + _CN + r"(?:个|名|位|项)?")
_MOST = re.compile(r"最(?:多|大|高|贵)|最大的|第一多|排第一|排名第一|之最")
_LEAST = re.compile(r"最(?:少|小|低)|倒数第一|垫底")
_COUNT = re.compile(r"几个|几项|多少个|多少项|有几|几家|数量|多少家")
_SUM = re.compile(r"加起来|一共|合计|总共|总计|共计|总额|总和|汇总|加总|总数|总预算|合起来|总规模|总盘子")
_COMPARE = re.compile(
    r"差多少|相差|差距|差额|多多少|少多少|多出|高多少|低多少|差几|比较|对比|差了|哪个.{0,4}(?:多|少|高|低|大)|"
    r"(?:多|少)(?:拨|给|安排|花|出)了?多少|大多少|高出|低了?多少|谁的?.{0,6}(?:大|多|高|少)|"
    r"差是多少|差为多少|差值|之差"
)
_SHARE = re.compile(r"占.*(?:比例|比重|百分之|%|多少|百分点)|占比|百分比|比重")
_LIST = re.compile(r"哪些|哪几个|哪几项|列出|列一下|名下|有什么专项|都有|分别是")
_STRONG_LIST = re.compile(r"哪些|哪几个|哪几项|列出|列一下|分别是")
CONTACT = re.compile(r"联系人|联系电话|电话|找谁|联系谁|问谁|联系方式|负责人|手机|谁对接|对接人|谁负责")
_PHONE = re.compile(r"电话|手机|联系方式")
_PERSON = re.compile(r"联系人|找谁|联系谁|负责人|是谁|问谁|谁对接|对接人|谁负责")
_INDICATOR = re.compile(r"指标|目标(?!表)|权重|核心|要达到|达到多少|达到什么")
_CORE = re.compile(r"核心指标")
_BUDGET = re.compile(r"预算|多少钱|金额|(?:资金|经费)(?:是|有)?多少|拨了多少|安排了?多少")
_OVERVIEW = re.compile(
    r"项目概况|概况|(?:主要|具体|是)?(?:做|干|用于|用在|用来)(?:什么|啥|哪些)|用途|(?:项目|专项)内容"
)
_GOAL = re.compile(r"(?:当年|年度|今年)?绩效目标(?!表)|(?:当年|年度)目标|要达到什么|目标是什么")
# a quantity with a unit that is not money (多少户, 几场): a question about an indicator's target
_INDICATOR_UNIT = re.compile(
    r"(?:多少|几)(户|人次|人|次|场次|场|所|家|亩|公里|千米|块|条|件|台|套|吨|平方米|米|天|小时|处|座|批|期|名)|"
    r"(?:多少|几)个(?!专项|部门|单位|项目|镇|街道|局|中心|指标)[\u4e00-\u9fa5]"
)
# figures a budget compilation never holds: execution, actual spending, final accounts
_ACTUALS = re.compile(
    r"执行率|执行了|执行进度|执行情况|实际执行|决算|实际支出|实际花|花了多少|拨付进度|支付进度|已支出|到位了多少"
)
_EXCLUDED = re.compile(
    r"(?:除了|除去|不含|不包括|剔除|扣除)([^，,。？?）)、]{2,16}?)(?:以外|之外|外)?(?=[，,。？?）)]|其他|其余)"
)
_NAMED_GROUP = re.compile(
    r"(?:叫|名为|名叫|名称|名字|带|含|包含|含有)[^“”\"]{0,4}[“\"]([^”\"]{2,20})[”\"]|"
    r"(?:所有|全部|凡是)(?:叫|名为|名叫)([\u4e00-\u9fa5]{2,12}?)的|"
    r"(?:名字|名称)(?:里|中)?(?:带|含|有)([\u4e00-\u9fa5]{2,8}?)(?:两个字|二字|字样)?的"
)
_MISMATCH = re.compile(r"不一致|对不上|对得上|不符|差异|矛盾|出入|一致吗|相符|一样吗")
_DEPARTMENT_OF = re.compile(r"哪个(?:部门|单位)(?:管|负责|主管|的)|主管部门|归哪个|谁管|归谁|哪家单位")
_NAME = re.compile(r"名字|叫什么|名称|全称|叫啥")
_FORM_EXISTS = re.compile(r"(?:有没有|有无|是否有|有)(?:对应的)?(?:绩效)?目标表|表吗|有表")
# how many forms a fund has, under which 序号 ("表出现了几次", "重复的表")
_FORMS = re.compile(
    r"表.{0,8}(?:出现|有)了?几(?:次|张|份|回)|几张(?:绩效目标)?表|几份(?:绩效目标)?表|重复|"
    r"表.{0,10}(?:序号|第几)|序号.{0,6}(?:一致|对得上|相同|一样)"
)
_TABLE_BASIS = re.compile(r"绩效目标表|目标表口径|表口径|表上")
_CATALOG_BASIS = re.compile(r"目录")
_DEPT_LEVEL = re.compile(r"部门|单位|哪个局|哪个镇|哪个街道|哪家|镇街|乡镇|各镇|街道")
_FUND_LEVEL = re.compile(r"单个|哪个专项|哪一个专项|哪项|哪个项目|哪一项")
_FOLLOWUP = re.compile(
    r"^(那|那么|它|他|其|这个|该|那个|还有|再|另外)|它的|其中|它们|这个专项|该专项|那个专项"
)
_YEAR = re.compile(
    r"(?<!\d)(20\d{2})\s*年|(?<![\d龄满近])([12]\d)年(?!以上|以下|以来|以内|来|内|间|多|左右|及以上)"
)
_DEPT_THRESHOLD = re.compile(r"万元?(?:及|或)?(?:以上|以下)?的(?:主管)?(?:部门|单位|镇街|镇|街道)")
# "哪些镇街的专项合计超过了1000万元": the bound is on each department's total
_TOTAL_BOUND = re.compile(
    r"(?:合计|总额|加起来|总共|一共)(?:在|是)?\s*(?:超过|多于|大于|高于|不到|不足|少于|低于|过|达到)"
)
_SUPERLATIVE_DEPT = re.compile(
    r"(最多|最高|最大|最少|最低|第" + _CN[1:-1] + r"(?:多|大|高)?)的(?:那个|那一个)?(部门|单位|镇街|镇|街道)|"
    r"合计(?:排)?(第" + _CN[1:-1] + r"|最多|最少)的那(?:个|一个)()"
)
_ONLY_N = re.compile(
    r"(?:只有|仅有|有且只有|仅|刚好有?|正好有?|恰好有?|只设了?|只设置了?)" + _CN + r"个(?:重点)?专项|"
    r"(?<![几多少])(?:有|设了?|设置了?)" + _CN
    + r"个(?:或更多|及以上|以上|或以上)?(?:重点)?专项的(?:部门|单位)?"
)
_AT_LEAST_N = re.compile(
    _CN + r"个(?:或更多|及以上|以上|或以上)(?:重点)?专项|(?:至少|不少于)" + _CN + r"个(?:重点)?专项"
)
_SUPERLATIVE_FUND = re.compile(
    r"(?:预算|金额|钱)?(?:最高|最多|最大)的(?:那个|那项|那笔|一个)?专项|最大的专项|"
    r"(?:最大|最多|最高)(?:的)?那(?:个|笔|项)(?!部门|单位|镇|街道)|"
    r"(?<![最较不])(?:大|多)的那(?:个|笔|项)(?!部门|单位|镇|街道)"
)
_NTH_FUND = re.compile(r"第" + _CN + r"(多|大|高|少|小|低)的(?:那个|那项|那笔)?专项")
# the smallest fund of a department ("卫健局钱最少的那个专项")
_LEAST_FUND = re.compile(
    r"(?:最低|最少|最小)的(?:那个|那项|那笔|一个)?专项|最小的专项|"
    r"(?:最低|最少|最小|(?<![最较不])(?:小|少|低))(?:的)?那(?:个|笔|项)(?!部门|单位|镇|街道)"
)


@dataclass
class Intent:
    """What was asked, as data."""

    question: str
    departments: list[Department] = field(default_factory=list)
    group: tuple[str, list[Department]] | None = None
    funds: list[Fund] = field(default_factory=list)
    partial_funds: bool = False  # every fund was linked by part of its name only
    excluded_ids: set[int] = field(default_factory=set)  # departments the question leaves out (除了…/不含…)
    excluded_words: str = ""  # how the question names them
    fund_group: tuple[str, list[Fund]] | None = None  # 城乡环境管理专项 → every fund so named
    spans: list[Span] = field(default_factory=list)  # where linked names sit in the question
    op: str = "lookup"  # lookup rank_position nth top count sum compare share list
    dept_level: bool = False
    descending: bool = True
    k: int = 1
    nth: int | None = None
    thresholds: list[tuple[str, Decimal]] = field(default_factory=list)  # 超过500万 / 100万到500万
    only_n: int | None = None
    at_least_n: bool = False  # with only_n: "三个或更多专项的部门"
    catalog_seq: int | None = None
    basis: str | None = None  # catalog / table / None (both where they differ)
    years: list[int] = field(default_factory=list)
    wants_contact: bool = False
    wants_phone: bool = False
    wants_person: bool = False
    wants_indicator: bool = False
    wants_core: bool = False
    wants_name: bool = False
    wants_form: bool = False
    wants_forms: bool = False
    wants_budget: bool = False
    wants_mismatch: bool = False
    wants_department: bool = False
    wants_overview: bool = False
    wants_goal: bool = False
    wants_actuals: bool = False
    dept_threshold: bool = False  # the bound applies to department totals (…万元的部门)
    wants_sum: bool = False
    wants_count: bool = False
    followup: bool = False
    superlative_fund: bool = False
    least_fund: bool = False  # with superlative_fund: the smallest rather than the largest
    fund_rank: int = 1  # with superlative_fund: "预算第二多的专项" → 2
    superlative_department: bool = False
    least_department: bool = False  # with superlative_department: the smallest total
    department_rank: int = 1  # with superlative_department: 合计第二的那个镇 → 2
    department_kind: str = ""  # what is ranked: 部门 / 单位 / 镇街 / 镇 / 街道


def years_in(q: str) -> list[int]:
    years = []
    for m in _YEAR.finditer(q):
        y = int(m.group(1)) if m.group(1) else 2000 + int(m.group(2))
        years.append(y)
    return years


def _thresholds(q: str) -> list[tuple[str, Decimal]]:
    """Amount conditions: a range (100万到500万之间) or one bound (超过500万, 5万元及以上, 过千万)."""
    q = _ROUND_AMOUNTS.sub(lambda mt: mt.group(1) + _ROUND_VALUES[mt.group(2)], q)
    if m := _RANGE.search(q):
        return [(">=", Decimal(m.group(1))), ("<=", Decimal(m.group(2)))]
    bounds: list[tuple[str, Decimal]] = []
    taken: list[tuple[int, int]] = []
    for pattern, op in THRESHOLDS:  # "超过300万、不到400万": both bounds, each phrase used once
        for m in pattern.finditer(q):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                bounds.append((op, Decimal(m.group(1))))
                taken.append(m.span())
    return bounds


def parse(q: str, vocab: Vocabulary) -> Intent:
    """Turn a question into an Intent; entities linked against the store's vocabulary."""
    intent = Intent(question=q)
    linked = vocab.link_departments(q)
    excluded_spans: list[Span] = []
    # "东林街道名下…": 街道 inside the department's own name is no group
    intent.group = vocab.group_members(q, [s for _, s in linked])
    if out := _EXCLUDED.search(q):  # "除了十个镇街，其他部门…", "（不含投促中心）": left out, not the scope
        span = Span(out.start(1), out.end(1))
        left_out = [d for d, s in linked if span.overlaps(s)]
        group = vocab.group_members(q[span.start:span.end])
        intent.excluded_ids = {d.id for d in left_out} | ({d.id for d in group[1]} if group else set())
        intent.excluded_words = out.group(1)
        excluded_spans = [s for _, s in linked if span.overlaps(s)]
        linked = [(d, s) for d, s in linked if not span.overlaps(s)]
        if group and intent.group and group[0] == intent.group[0]:
            intent.group = None
    intent.departments = [d for d, _ in linked]
    dept_ids = {d.id for d in intent.departments} or None
    fund_links = vocab.link_funds(q, dept_ids, [s for _, s in linked])
    intent.funds = [f for f, _, _ in fund_links]
    intent.partial_funds = bool(fund_links) and all(score < 1 for _, _, score in fund_links)
    # a department named only inside a fund's name (民政局社会救助专项) is not a filter
    inside = [s for _, s, _ in fund_links]

    def named_outside(dept: Department) -> bool:
        """Some mention of the department lies outside every linked fund name ("…占万东镇专项合计")."""
        return any(not any(f.start <= mt.start() and mt.end() <= f.end for f in inside)
                   for name in dept.names if len(name) >= 2 for mt in re.finditer(re.escape(name), q))

    linked = [(d, s) for d, s in linked
              if not any(f.start <= s.start and s.end <= f.end for f in inside) or named_outside(d)]
    intent.departments = [d for d, _ in linked]
    intent.spans = [s for _, s in linked] + [s for _, s, _ in fund_links] + excluded_spans
    if not dept_ids and len(fund_links) == 1:
        word, members = vocab.funds_sharing(q[fund_links[0][1].start : fund_links[0][1].end])
        if len(members) > 1:
            intent.fund_group = (word, members)
    if named := _NAMED_GROUP.search(q):  # "名称里带“惠民”的", "所有叫招商引资专项的": the word decides
        word, members = vocab.funds_sharing(next(g for g in named.groups() if g), shortest=2)
        if len(members) > 1:
            intent.fund_group, intent.funds, intent.departments = (word, members), [], []
    intent.years = years_in(q)
    intent.thresholds = _thresholds(q)
    intent.dept_threshold = bool(intent.thresholds and (
        _DEPT_THRESHOLD.search(q) or (_TOTAL_BOUND.search(q) and _DEPT_LEVEL.search(q))))
    intent.wants_contact = bool(CONTACT.search(q))
    intent.wants_phone = bool(_PHONE.search(q))
    intent.wants_person = bool(_PERSON.search(q))
    intent.wants_indicator = bool(_INDICATOR.search(q)) or bool(intent.funds and _INDICATOR_UNIT.search(q))
    intent.wants_core = bool(_CORE.search(q))
    intent.wants_name = bool(_NAME.search(q))
    intent.wants_form = bool(_FORM_EXISTS.search(q))
    intent.wants_forms = bool(_FORMS.search(q))
    intent.wants_budget = bool(_BUDGET.search(q))
    intent.wants_mismatch = bool(_MISMATCH.search(q))
    intent.wants_department = bool(_DEPARTMENT_OF.search(q))
    intent.wants_overview = bool(_OVERVIEW.search(q))
    intent.wants_goal = bool(_GOAL.search(q)) and "指标" not in q and "多少" not in q
    intent.wants_actuals = bool(_ACTUALS.search(q)) and "指标" not in q
    if intent.wants_goal or (intent.wants_forms and "指标" not in q):
        intent.wants_indicator = False  # the stated goal / the forms themselves, not the indicators
    intent.wants_sum = bool(_SUM.search(q))
    intent.wants_count = bool(_COUNT.search(q))
    intent.followup = bool(_FOLLOWUP.search(q))
    intent.superlative_fund = bool(_SUPERLATIVE_FUND.search(q))
    # "卫健局钱最少的那个", "…最少的那个，联系人是谁": the smallest fund, then what is asked of it
    if (m := _NTH_FUND.search(q)) and intent.departments:  # "规资局预算第二多的专项"
        intent.superlative_fund, intent.least_fund = True, m.group(2) in "少小低"
        intent.fund_rank = cn_number(m.group(1)) or 1
    ranked_within = intent.departments or _SUPERLATIVE_DEPT.search(q) or intent.wants_contact
    if not intent.superlative_fund and ranked_within and _LEAST_FUND.search(q):
        intent.superlative_fund = intent.least_fund = True
    if m := _SUPERLATIVE_DEPT.search(q):
        rank = m.group(1) or m.group(3)
        intent.superlative_department = True
        intent.least_department = rank in ("最少", "最低")
        intent.department_kind = m.group(2) or ""
        if rank.startswith("第"):
            intent.department_rank = cn_number(re.sub(r"[第多大高]", "", rank)) or 1
    if _TABLE_BASIS.search(q) and not intent.wants_form:
        intent.basis = "table"
    elif _CATALOG_BASIS.search(q):
        intent.basis = "catalog"
    intent.dept_level = bool(_DEPT_LEVEL.search(q)) and not _FUND_LEVEL.search(q)
    if m := _SEQ.search(q):
        intent.catalog_seq = int(m.group(1) or m.group(2))
    if m := _ONLY_N.search(q):
        intent.only_n = cn_number(m.group(1) or m.group(2))
    if m := _AT_LEAST_N.search(q):
        intent.only_n, intent.at_least_n = cn_number(m.group(1) or m.group(2)), True
    intent.op = _operation(q, intent)
    return intent


def _operation(q: str, intent: Intent) -> str:
    """The main operation, most specific cue first."""
    if _RANK_POSITION.search(q):
        return "rank_position"
    if intent.only_n is not None:
        return "count"
    if _SHARE.search(q):
        if m := _TOPK.search(q):  # "预算最大的前三个专项合计占…"
            intent.k = cn_number(m.group(1)) or 1
        return "share"
    if _COMPARE.search(q) and (len(intent.funds) >= 2 or len(intent.departments) >= 2 or (
            len(intent.departments) == 1 and not intent.funds and "专项" in q)):
        return "compare"
    if m := _TOPK.search(q):
        intent.k = cn_number(m.group(1)) or 1
        return "top"
    if m := _BOTTOMK.search(q):
        intent.k, intent.descending = cn_number(m.group(1)) or 1, False
        return "top"
    if (m := _NTH.search(q)) and ("排" in q or "第" in q) and not intent.wants_indicator:
        n = cn_number(m.group(1))
        if n and n > 1 and not _COUNT.search(q):
            intent.nth = n
            intent.descending = not (_LEAST.search(q) or "倒数" in q)
            return "nth"
    if _MOST.search(q) and not intent.superlative_fund:
        return "top"
    if _LEAST.search(q) and not intent.superlative_fund:
        intent.descending = False
        return "top"
    if _LIST.search(q) and not (intent.wants_count and not _STRONG_LIST.search(q)):
        return "list"  # "名下一共有多少个" counts; "名下有哪些" lists
    if intent.wants_count and not intent.wants_contact:
        return "count"
    if intent.thresholds:
        return "list"
    if intent.wants_sum:
        return "sum"
    return "lookup"
