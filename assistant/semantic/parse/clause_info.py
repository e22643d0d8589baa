"""What one asking clause says, read off its tokens: aggregates, extremes, derived figures, shape,
measures, object nouns and the noun it asks about (哪个部门 → departments).

The frames decide the query from this summary, so no frame reads raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.semantic.parse.state import Mention, State
from assistant.semantic.query import Bound, HasIndicator, Having
from assistant.semantic.tagging import Token

DEPARTMENT_NOUNS = ("department", "town", "street", "town_or_street")
# the shape cues that point at a noun after them: 哪个部门, 哪几个专项
POINTING = ("which", "list")


@dataclass
class ClauseInfo:
    """The asking words of one clause, each with the token that said it."""

    clause: int
    aggs: dict[str, list[Token]] = field(default_factory=dict)
    extreme: tuple[str, Token] | None = None
    position: Token | None = None
    derived: dict[str, list[Token]] = field(default_factory=dict)
    shapes: dict[str, list[Token]] = field(default_factory=dict)
    measures: dict[str, list[Token]] = field(default_factory=dict)
    nouns: list[tuple[str, Token]] = field(default_factory=list)
    asked_noun: str | None = None
    core: Token | None = None
    each: Token | None = None
    mentions: list[Mention] = field(default_factory=list)
    bounds: list[Bound] = field(default_factory=list)
    having: list[Having] = field(default_factory=list)
    indicator: HasIndicator | None = None
    followup: Token | None = None
    contains: Token | None = None
    sort: str | None = None  # 从高到低 / 从小到大 / 排名: an order asked without a number
    per_department: bool = False  # 各部门 / 每个镇 / 按单位: one result per department
    inherited: int | None = None  # the clause whose scope this one took, naming none of its own

    def use(self, *tokens: Token | list[Token] | None) -> None:
        """Mark tokens (or lists of tokens, as the dicts above hold them) as used."""
        for token in tokens:
            if isinstance(token, list):
                self.use(*token)
            elif token is not None:
                token.used = True

    def asks_anything(self) -> bool:
        """Whether the clause asks for something to compute or show (not only 请核对一下)."""
        return bool(self.aggs or self.extreme or self.position or self.derived or self.shapes or self.measures
                    or self.core or self.indicator or any(m.clause == self.clause for m in self.mentions))

    def only_adds_outputs(self) -> bool:
        """A clause that names nothing and ranks nothing, only asks for a total or an average."""
        own = any(m.clause == self.clause for m in self.mentions)
        return bool(self.aggs) and not (own or self.extreme or self.position or self.derived
                                        or self.asked_noun or "list" in self.shapes or "which" in self.shapes)

    def only_asks_shape(self) -> bool:
        """A clause that names, counts and ranks nothing, only says how to show (…，都列出来) or
        asks the amount of each item already found (…，各多少钱): a ranking or list says both."""
        own = any(m.clause == self.clause for m in self.mentions)
        amounts_only = set(self.measures) <= {"amount"}
        return bool(self.shapes) and amounts_only and not (
            own or self.aggs or self.extreme or self.position or self.derived or self.core
            or self.indicator or self.nouns)

    @property
    def shape(self) -> str | None:
        for shape in ("list", "which", "yesno", "number", "text"):
            if shape in self.shapes:
                return shape
        return None


def read_clause(state: State, clause: int) -> ClauseInfo:
    """The summary of one clause (tokens already used by earlier passes are skipped)."""
    info = ClauseInfo(clause)
    tokens = [(i, t) for i, t in enumerate(state.tokens) if t.clause == clause]
    for i, token in tokens:
        if token.used:
            continue
        _cues(info, token)
        measure = token.get("measure")
        if measure == "department" and _after_department(state, i):
            token.used = True  # 商务局作为主管部门: it says what the department is, asks nothing
        elif measure is not None:
            info.measures.setdefault(measure, []).append(token)
        noun = token.get("noun")
        if noun is not None and not (token.has("dept") or token.has("fund")):
            info.nouns.append((noun, token))
        if "whose" in token.cue_values("形式") and info.asked_noun is None:
            # 谁的专项: the owner asked — a department, or a contact when contacts are spoken of
            contacts = any(t.get("noun") == "contact"
                           for c in (clause, clause - 1) for t in state.clause_tokens(c))
            info.asked_noun = "contact" if contacts else _who_names(state, i) or "department"
        for shape in POINTING:
            if token.cue("形式") == shape:
                pointed = state.next_content(i, 1)
                if pointed is not None and pointed[1].get("noun") and info.asked_noun is None:
                    info.asked_noun = pointed[1].get("noun")
    info.per_department = info.per_department or _per_department(state, tokens)
    if info.asked_noun is None:
        info.asked_noun = _counted_noun(state, tokens)
    if info.asked_noun is None and ("list" in info.shapes or "which" in info.shapes):
        info.asked_noun = _head_noun(state, clause)
    return info


def _per_department(state: State, tokens: list[tuple[int, Token]]) -> bool:
    """各部门 / 每个镇 / 按单位: a grouping word (分组) right before a department noun or group
    asks for one result per department; both words are used up by saying so. After 其余/其他 the
    word only describes the set that is left (其余各部门 is one set, summed as one)."""
    for i, token in tokens:
        if token.cue("分组") is None or token.used:
            continue
        before = state.next_content(i, -1)
        if before is not None and before[1].cue("其余") is not None:
            continue
        if token.cue("分组") == "each" and _adds_all_up(tokens, token):
            continue  # 各镇街的…加起来一共: every department's funds, added into one total
        after = state.next_content(i, 1)
        if after is not None and (after[1].get("noun") in DEPARTMENT_NOUNS or after[1].has("group")):
            token.used = True
            if not after[1].has("group"):
                after[1].used = True
            return True
    return False


def _after_department(state: State, index: int) -> bool:
    """Whether the word at ``index`` follows a department's name with only fillers between."""
    before = state.next_content(index, -1)
    return before is not None and before[1].has("dept")


def _who_names(state: State, index: int) -> str | None:
    """A bare 谁 asks for the thing a noun stands for when that noun is its subject (…的专项是谁)
    or what is ranked (专项按金额排，第N名是谁); before a ranking word (专项最多的是谁) the noun is
    only what is counted, and 谁 asks whose."""
    if state.tokens[index].text != "谁":
        return None
    clause = state.tokens[index].clause
    for k in range(index - 1, -1, -1):
        token = state.tokens[k]
        if token.clause < clause - 1:
            break
        noun = token.get("noun")
        if noun is None or token.has("dept") or token.has("fund"):
            continue
        after = state.next_content(k, 1)
        if after is None or after[0] == index or after[1].cue("分组") == "by":
            return noun
    return None


def _adds_all_up(tokens: list[tuple[int, Token]], each: Token) -> bool:
    """A total asked (加起来, 一共) with no second word asking per item (分别, 各自, 排名, 哪个)."""
    words = [t for _, t in tokens if t is not each]
    return any(t.cue("汇总") == "sum" for t in words) and not any(
        t.cue("分组") or t.cue("排序") or t.cue("极值") or t.cue("形式") in ("which", "list") for t in words)


def _head_noun(state: State, clause: int) -> str | None:
    """…的重点专项有哪些 / …的专项，哪些把…: the noun the question word stands after — the last
    object noun before it in the clause, else the last one of the clause before."""
    tokens = state.clause_tokens(clause)
    asking = next((i for i, t in enumerate(tokens) if t.cue("形式") in ("list", "which")), len(tokens))
    for candidates in (tokens[:asking], state.clause_tokens(clause - 1)):
        nouns = [t.get("noun") for t in candidates if t.get("noun") and not (t.has("dept") or t.has("fund"))]
        if nouns:
            return nouns[-1]
    return None


def _cues(info: ClauseInfo, token: Token) -> None:
    agg = token.cue("汇总")
    if agg is not None:
        info.aggs.setdefault(agg, []).append(token)
    extreme = token.cue("极值")
    if extreme is not None and info.extreme is None:
        info.extreme = (extreme, token)
    if token.cue("名次") is not None:
        info.position = token
    derived = token.cue("派生")
    if derived is not None:
        info.derived.setdefault(derived, []).append(token)
    shape = token.cue("形式")
    if shape is not None:
        info.shapes.setdefault(shape, []).append(token)
    if token.cue("核心") is not None:
        info.core = token
    if token.cue("分组") == "each":
        info.each = token
    if token.cue("追问") is not None and info.followup is None:
        info.followup = token
    if token.cue("含名") is not None:
        info.contains = token
    if token.cue("排序") is not None and info.sort is None:
        info.sort = token.cue("排序")
        token.used = True


def _counted_by_unit(token: Token) -> str | None:
    """最少的三家 / 几条: a count unit says what is counted."""
    number = token.get("number")
    unit = number.unit if number is not None else token.get("unit")
    return unit.counts if unit is not None else None


def _counted_noun(state: State, tokens: list[tuple[int, Token]]) -> str | None:
    """The noun a count or a ranking is about: 部门有几个 / 几个部门 / 专项最多的部门."""
    nouns = [(i, t.get("noun") or _counted_by_unit(t)) for i, t in tokens
             if (t.get("noun") or _counted_by_unit(t)) and not (t.has("dept") or t.has("fund"))]
    if not nouns:
        return None
    # 个数 of a condition counts nothing
    tokens = [(i, t) for i, t in tokens if not (t.used and t.cue("汇总"))]
    ranking = [i for i, t in tokens
               if t.cue("序数") or t.cue("方向") or t.cue("极值") or t.cue("汇总") == "count"]
    # 专项个数最多的部门 / 哪三个部门专项最多: the department noun a ranking word modifies
    head = next((h for h in (_head_after(state, i) for i in ranking)
                 if h in DEPARTMENT_NOUNS or h == "contact"), None)  # …专项最多的那位联系人
    if head is not None:
        return head
    counts = [i for i, t in tokens
              if t.cue("汇总") == "count" or t.cue("极值") or t.cue("名次") or t.cue("排序")]
    if not (counts or ranking):
        return None
    departments = [n for _, n in nouns if n in DEPARTMENT_NOUNS]
    if departments and any(t.cue("汇总") in ("sum", "avg", "median") for _, t in tokens):
        return departments[0]  # 专项总额最少的镇街 / 部门专项合计前三: a total per department is ranked
    if not counts:
        return None
    # the noun nearest after the count word, else the last noun before it
    after = [(i, n) for i, n in nouns if i > counts[0]]
    if after and after[0][0] - counts[0] <= 2:
        return after[0][1]
    before = [(i, n) for i, n in nouns if i < counts[0]]
    return before[-1][1] if before else nouns[-1][1]


def _head_after(state: State, index: int) -> str | None:
    """The object noun that ends the phrase begun at ``index`` (…最多的部门, …最少的三个部门):
    the first noun after it with nothing but fillers, counted numbers and ranking words between."""
    clause = state.tokens[index].clause
    for token in state.tokens[index + 1:]:
        if token.clause != clause:
            return None
        noun = token.get("noun")
        if noun is not None and not (token.has("dept") or token.has("fund")):
            return noun
        number = token.get("number")
        between = (token.has("filler")
                   or (number is not None and (number.unit is None or number.unit.kind == "count"))
                   or any(token.cue(role) for role in ("序数", "方向", "极值", "比较后")))
        if not between:
            return None
    return None


def settle_scope(state: State, info: ClauseInfo, previous: ClauseInfo | None) -> None:
    """What the clause is about: its own names, bounds and indicator conditions plus those of the
    background clauses; a clause that names nothing itself keeps the previous clause's."""
    background = [c for c in state.clauses() if not state.asked(c)]
    own = _scope_of(state, [info.clause])
    if not any(own) and previous is not None:
        info.mentions, info.bounds, info.having, info.indicator = (
            previous.mentions, previous.bounds, previous.having, previous.indicator)
        info.inherited = previous.clause
        return
    extra = _scope_of(state, background)
    criteria = [c for c in background if c < info.clause
                and any(t.cue("分组") == "by" for t in state.clause_tokens(c))]
    for criterion in criteria:
        info.per_department = info.per_department or _per_department(
            state, [(i, t) for i, t in enumerate(state.tokens) if t.clause == criterion])
        for token in state.clause_tokens(criterion):
            if token.used:
                continue
            if token.cue("汇总") in ("sum", "avg", "median"):
                info.aggs.setdefault(token.cue("汇总"), []).append(token)
            if token.get("measure") == "amount":
                info.measures.setdefault("amount", []).append(token)
            if token.cue("排序") is not None and info.sort is None:
                info.sort = token.cue("排序")
                token.used = True
    kept = _topic_kept(own[0], previous)
    # a name said in a background clause and again here is one filter, not two
    info.mentions = list({(m.kind, m.ids): m for m in own[0] + extra[0] + kept}.values())
    if kept and previous is not None and not info.measures:
        info.measures = dict(previous.measures)  # …的预算，哪个镇最多: compared by the same measure
    if info.position is not None and not any(m.kind in ("dept", "fund") for m in own[0]):
        # …合计多少，在镇街里排老几: the department ranked is the one named before
        info.mentions += [m for m in state.mentions if m.kind in ("dept", "fund") and m.clause < info.clause]
    if info.followup is not None and not any(m.kind == "fund" for m in info.mentions):
        # 这个专项/该专项: the fund named in an earlier clause
        info.mentions += [m for m in state.mentions if m.kind == "fund" and m.clause < info.clause]
    info.bounds = own[1] + extra[1]
    info.having = own[2] + extra[2]
    info.indicator = own[3] or extra[3]


def _topic_kept(own: list[Mention], previous: ClauseInfo | None) -> list[Mention]:
    """A clause that only names again the group the previous clause narrowed (…各镇的某专项，哪个镇
    最多) keeps that narrowing: the group is the topic carried on, not a new, wider set."""
    if previous is None or not own or any(m.kind != "group" for m in own):
        return []
    groups = {m.text for m in previous.mentions if m.kind == "group"}
    if not {m.text for m in own} <= groups:
        return []
    return [m for m in previous.mentions if m.kind not in ("group", "differ")]


def _scope_of(state: State, clauses: list[int]) -> tuple[list, list, list, HasIndicator | None]:
    mentions = [m for m in state.mentions if m.clause in clauses]
    mentions += [Mention("differ", frozenset(), "", -1, c) for c in clauses if c in state.differ]
    bounds = [b for c, b in state.fund_bounds if c in clauses]
    having = [h for c, h in state.having if c in clauses]
    indicator = next((state.indicators[c] for c in clauses if c in state.indicators), None)
    return mentions, bounds, having, indicator
