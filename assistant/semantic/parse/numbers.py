"""Numbers: years, bounds on amounts and counts, ordinals, precision, catalog numbers.

A number means what its neighbours say: 超过 before it or 以上 after it make a
bound; 到/至/介于…之间 between two make a range; 第/前/倒数 before it make an
ordinal; a unit 年 makes a year and 比/较 before a year makes it the base of a
change; 只有 or 不少于 with "N个专项" make a condition on each department's
number of funds.  Words about the ends of a range (两头都算, 正好200万的不算)
adjust the bounds already found.  A bound applies to each fund unless the noun it
describes is a department or it follows 合计/总额, then to department totals.
"""

from __future__ import annotations

from decimal import Decimal

from assistant.lexicon import Number, Unit
from assistant.semantic.parse.state import State
from assistant.semantic.query import CNT, SUM, Bound, Having
from assistant.semantic.tagging import Token

DEPARTMENT_NOUNS = ("department", "town", "street", "town_or_street")
STRICT = {">=": ">", "<=": "<"}
LOOSE = {">": ">=", "<": "<="}
TWO_DIGIT_CENTURY = 2000


def read(state: State) -> None:
    """All number passes, in the order their meanings depend on each other."""
    _years(state)
    _precision(state)
    _table_number(state)  # before ordinals: the 第 of 第六张表 names a table, not a rank
    _ordinals(state)
    _catalog_number(state)
    ends = _endpoints(state)
    _money_bounds(state, ends)
    _count_bounds(state)


def money(token: Token) -> Number | None:
    number = token.get("number")
    if number is not None and number.unit is not None and number.unit.kind == "money":
        return number
    return None


def in_wan(number: Number) -> Decimal:
    return number.value * (number.unit.to_wan if number.unit and number.unit.to_wan else 1)


# ----- years -------------------------------------------------------------------------------

def _years(state: State) -> None:
    for i, token in enumerate(state.tokens):
        number = token.get("year")
        if number is not None and not token.used:
            year = int(number.value)
            if year < 100 and number.text[:1].isdigit():
                year += TWO_DIGIT_CENTURY
            if year < TWO_DIGIT_CENTURY:
                if _recent(state, i):  # 近三年
                    state.recent_years = int(number.value)
                    token.used = True
                continue
            token.used = True
            if _is_base(state, i):
                state.base_year = year
            else:
                state.years.append(year)
                state.clause_years.append((year, token.clause))
        offset = token.cue("年份")
        if offset is not None and not token.used:
            token.used = True
            state.relative_years.append((int(offset), _is_base(state, i), token.clause))


def _recent(state: State, index: int) -> bool:
    before = state.next_content(index, -1)
    if before is not None and before[1].cue("近年"):
        before[1].used = True
        return True
    return False


def _is_base(state: State, index: int) -> bool:
    """比2023年 / 较上年 / 与2023年相比: the year things are compared with."""
    before = state.next_content(index, -1)
    if before is not None and before[1].cue("基准") == "base":
        before[1].used = True
        return True
    after = state.next_content(index, 1)
    if before is not None and before[1].cue("基准") == "with" and after is not None \
            and after[1].cue("基准") == "base":
        before[1].used = after[1].used = True
        return True
    return False


# ----- precision, ordinals, catalog numbers ----------------------------------------------------

def _precision(state: State) -> None:
    for token in state.tokens:
        number = token.get("number")
        if number is not None and number.unit is not None and number.unit.kind == "decimals":
            state.decimals = int(number.value)
            token.used = True


def _ordinals(state: State) -> None:
    """第3 / 前5 / 倒数第2 / 后3: an ordinal on whatever ranking the question asks for."""
    for i, token in enumerate(state.tokens):
        way = token.cue("序数")
        if way is None or token.used:
            continue
        after = i + 1 < len(state.tokens) and state.tokens[i + 1]
        number = after.get("number") if after else None
        if number is None or (number.unit is not None and number.unit.kind not in ("count",)):
            continue
        n = int(number.value)
        token.used = after.used = True
        _direction_after(state, i + 1)
        if way == "reverse":
            state.ordinal = (False, n - 1, 1)
        elif way == "nth":
            reverse = state.next_content(i, -1)
            if reverse is not None and reverse[1].cue("序数") == "reverse":
                reverse[1].used = True
                state.ordinal = (False, n - 1, 1)
            else:
                state.ordinal = (None, n - 1, 1)
        else:  # 前N follows the question's own direction; 后N is the smallest N
            state.ordinal = (None, 0, n) if way == "top" else (False, 0, n)


def _direction_after(state: State, index: int) -> None:
    """倒数第二少 / 第三多: the word after an ordinal only repeats the direction."""
    after = state.next_content(index, 1)
    if after is not None and after[1].cue("方向") is not None:
        after[1].used = True


def _table_number(state: State) -> None:
    """表六 / 表6 / 第六张表: a standard table named by its number.

    After the ordinal word (表号 table_ordinal) the number must be counted in tables
    (a unit whose counted noun is ``table``, written with the number or after it) and
    the table word may follow; after the table word (表号 table) a bare number will do.
    """
    for i, token in enumerate(state.tokens):
        way = token.cue("表号")
        if way is None or token.used or i + 1 >= len(state.tokens):
            continue
        number = state.tokens[i + 1].get("number")
        if number is None:
            continue
        following = state.tokens[i + 2 : i + 4]
        counted = [t for t in following[:1] if _counts_tables(t.get("unit"))]
        if way == "table_ordinal" and not (_counts_tables(number.unit) or counted):
            continue
        state.table_named = int(number.value)
        for t in [token, state.tokens[i + 1], *counted]:
            t.used = True
        rest = following[len(counted) : len(counted) + 1]
        if way == "table_ordinal" and rest and rest[0].cue("表号") == "table":
            rest[0].used = True


def _counts_tables(unit: Unit | None) -> bool:
    return unit is not None and unit.counts == "table"


def _catalog_number(state: State) -> None:
    """序号50: the catalog entry with that number."""
    for i, token in enumerate(state.tokens):
        if token.get("measure") != "seq" or token.used:
            continue
        after = state.next_content(i, 1)
        if after is not None and after[1].get("number") is not None:
            state.seq = int(after[1].get("number").value)
            token.used = after[1].used = True


# ----- bounds ------------------------------------------------------------------------------

def _endpoints(state: State) -> dict[Decimal | None, str]:
    """End words: {value: include/exclude}; ``None`` for words about every end (两头都算)."""
    ends: dict[Decimal | None, str] = {}
    for i, token in enumerate(state.tokens):
        way = token.cue("端点")
        if way is None or token.used:
            continue
        listed = _listed(state, i, 1) or _listed(state, i, -1)  # 含20万元、50万元 / 正好100万和500万的不算
        values = [in_wan(money(t)) for t in listed]
        if not values and not any(money(t) for t in state.tokens):
            continue
        token.used = True
        for t in listed:
            t.used = True
        for t in state.clause_tokens(token.clause):
            if _exactly(t):
                t.used = True
        for value in values or [None]:
            ends[value] = way
    return ends


def _exactly(token: Token) -> bool:
    """正好/整: a word saying a number is meant exactly, which an end word already settles."""
    return "=" in (token.cue("比较前"), token.cue("比较后"))


def _listed(state: State, index: int, step: int) -> list[Token]:
    """The money numbers listed right after (``step`` 1) or before (-1) an end word, across joining
    words and list marks (100万和500万)."""
    found = []
    for _, token in state.neighbours(index, step, 6):
        if money(token) is not None:
            found.append(token)
        elif not (token.has("punct") or token.has("filler") or token.joins() or _exactly(token)):
            break
    return found


def _money_bounds(state: State, ends: dict[Decimal | None, str]) -> None:
    for clause in state.clauses():
        tokens = [t for t in state.clause_tokens(clause) if not (t.has("filler") and len(t.senses) == 1)]
        bounds: list[Bound] = []
        for k, token in enumerate(tokens):
            number = money(token) or _range_start(tokens, k)
            if number is None or token.used:
                continue
            bounds.extend(_bounds_at(tokens, k, number))
        if bounds:
            bounds = [_adjust(b, ends) for b in bounds]
            target = _bound_target(state, clause)
            if target == "department":
                state.having.extend((clause, Having(SUM, b)) for b in bounds)
            else:
                state.fund_bounds.extend((clause, b) for b in bounds)


def _range_start(tokens: list[Token], k: int) -> Number | None:
    """20到50万: a bare number starting a range takes the unit of the number ending it."""
    number = tokens[k].get("number")
    if number is None or number.unit is not None or k + 2 >= len(tokens) or not tokens[k + 1].cue("区间"):
        return None
    partner = money(tokens[k + 2])
    return Number(number.start, number.end, number.value, partner.unit, number.text) if partner else None


def _bounds_at(tokens: list[Token], k: int, number: Number) -> list[Bound]:
    """The bounds made by the money number at ``tokens[k]`` and its neighbours."""
    token = tokens[k]
    before = tokens[k - 1] if k else None
    after = tokens[k + 1] if k + 1 < len(tokens) else None
    value = in_wan(number)
    joined = after is not None and (after.cue("区间") or (before is not None and before.cue("区间")
                                                          and after.cue("基准") == "with"))
    if joined and not after.used:
        later = next((j for j in range(k + 2, min(k + 4, len(tokens))) if money(tokens[j])), None)
        if later is not None:
            high = tokens[later]
            token.used = after.used = high.used = True
            for t in tokens[k + 2 : later] + tokens[later + 1 : later + 2]:
                if t.cue("区间") or t.cue("基准"):
                    t.used = True
            if before is not None and before.cue("区间"):
                before.used = True
            return [Bound(">=", value), Bound("<=", in_wan(money(high)))]
    if before is not None and before.cue("比较前") and not before.used:
        token.used = before.used = True
        return [Bound(before.cue("比较前"), value)]
    if after is not None and after.cue("比较后"):
        token.used = after.used = True
        return [Bound(after.cue("比较后"), value)]
    return []


def _adjust(bound: Bound, ends: dict[Decimal | None, str]) -> Bound:
    way = ends.get(bound.value, ends.get(None))
    if way == "exclude" and bound.op in STRICT:
        return Bound(STRICT[bound.op], bound.value, bound.unit)
    if way == "include" and bound.op in LOOSE:
        return Bound(LOOSE[bound.op], bound.value, bound.unit)
    return bound


def _bound_target(state: State, clause: int) -> str:
    """Whether a clause's bounds are on each fund or on each department's total."""
    tokens = state.clause_tokens(clause)
    last_number = max(i for i, t in enumerate(tokens) if money(t) is not None)
    for token in tokens[last_number + 1 :]:
        noun = token.get("noun")
        if noun in DEPARTMENT_NOUNS or token.has("group"):
            return "department"
        if noun == "fund":
            return "fund"
    if any(t.cue("汇总") == SUM for t in tokens[:last_number]):
        return "department"
    return "fund"


def _count_bounds(state: State) -> None:
    """只有1个专项的部门 / 专项不少于2个的部门 / 两个及以上重点专项: departments by number of funds."""
    for i, token in enumerate(state.tokens):
        number = token.get("number")
        if number is None or token.used or (number.unit is not None and number.unit.kind != "count"):
            continue
        after_token = state.next_content(i, 1)
        if number.unit is None and not (
                after_token and (after_token[1].get("noun") or after_token[1].has("group"))):
            continue  # a bare number that does not count anything is left to other readings
        before = state.next_content(i, -1)
        after = state.next_content(i, 1)
        op = None
        if before is not None and before[1].cue("比较前"):
            op, cue = before[1].cue("比较前"), before[1]
        elif after is not None and after[1].cue("比较后"):
            op, cue = after[1].cue("比较后"), after[1]
        token.used = True  # a count said in passing (两个专项, 十个镇街) describes, it does not filter
        if op is None:
            continue
        near = [t for _, t in [*state.neighbours(i, 1, 2), *state.neighbours(i, -1, 3)]]
        if any(t.get("noun") == "fund" for t in near):
            cue.used = True
            for t in near:  # 专项数量在3个以上: the count word belongs to the condition
                if t.cue("汇总") == CNT and state.tokens.index(t) < i:
                    t.used = True
            state.having.append((token.clause, Having(CNT, Bound(op, number.value, "个"))))
