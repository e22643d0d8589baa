"""Department-budget figures: which figure of which disclosure, year and comparison a question means.

A question is about the department budget when it names a figure the
disclosures state (a subject, a column, a table, a narrative item, or a
colloquial term for one) or names a department that has a disclosure without
speaking of funds.  In each asking clause the words that are not department,
year or asking words name the figures: coordinated pieces (人员经费和日常公用经费)
are separate figures, a piece followed by 里/中 narrows them (基本支出里…).  Each
piece is matched against the figure keys of the store by shared wording; the
words a match does not cover stay not understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from assistant.lexicon import normalise
from assistant.semantic.figure_choice import spans_halves
from assistant.semantic.parse.clause_info import ClauseInfo, read_clause, settle_scope
from assistant.semantic.parse.frames import count_near
from assistant.semantic.parse.state import State
from assistant.semantic.query import (
    FIGURE,
    FIGURES,
    LIST,
    NUMBER,
    SUM,
    TEXT,
    Derived,
    FigureIs,
    FigureKey,
    InDepartments,
    Order,
    Output,
    Query,
    Understanding,
)
from assistant.semantic.tagging import Sense, Token
from assistant.semantic.wording import covered

# roles of cues that ask rather than name a figure
ASKING = ("汇总", "极值", "名次", "派生", "形式", "请求", "类别", "年份", "追问", "分组", "基准", "全体",
          "比较前", "比较后", "口径", "近年", "方向", "构成", "表号")
MIN_COVER = 4  # at least one shared piece of two characters


@dataclass
class Piece:
    """Words of a clause that name a figure, and whether they narrow the others (…里/…中)."""

    tokens: list[Token] = field(default_factory=list)
    narrows: bool = False

    def text(self, terms: dict[str, str]) -> str:
        return "".join(terms.get(t.text, t.text) for t in self.tokens)

    def shown(self, terms: dict[str, str]) -> str:
        """How the answer names it: the words without the fillers around them."""
        tokens = list(self.tokens)
        while tokens and tokens[0].senses == (Sense("filler", tokens[0].text),):
            tokens.pop(0)
        while tokens and tokens[-1].senses == (Sense("filler", tokens[-1].text),):
            tokens.pop()
        return "".join(terms.get(t.text, t.text) for t in tokens) or self.text(terms)


def figure_tokens(state: State) -> list[Token]:
    """Tokens naming a department-budget figure that is not also an ordinary lexicon word."""
    lexicon = state.model.lexicon
    plain = {*lexicon.cues, *lexicon.measures, *lexicon.fillers, *lexicon.nouns}
    return [t for t in state.tokens if (t.has("figure") or t.has("term")) and t.text not in plain
            and not (t.has("dept") or t.has("fund") or t.has("group"))]


def applies(state: State) -> bool:
    """Whether the question is about department budgets rather than key special funds."""
    if not state.model.budget_departments:
        return bool(figure_tokens(state)) and not any(m.kind == "fund" for m in state.mentions)
    funds_said = any(m.kind == "fund" for m in state.mentions) or any(
        t.get("noun") == "fund" for t in state.tokens)
    if figure_tokens(state) or state.table_named is not None:  # 表六: the standard tables are budgets'
        return not any(m.kind == "fund" for m in state.mentions)
    disclosed = any(m.kind == "dept" and set(m.ids) & set(state.model.budget_departments)
                    for m in state.mentions)
    return disclosed and not funds_said


def parts(state: State, base: Query, focus: Query | None, result: Understanding) -> list[Query]:
    depts = _departments(state)
    if state.refusal:
        return []
    queries: list[Query] = []
    previous: ClauseInfo | None = None
    for clause in state.clauses():
        if not state.asked(clause):
            continue
        info = read_clause(state, clause)
        settle_scope(state, info, previous)
        found = _clause_parts(state, info, base, depts, queries, focus)
        unknown = [t.text for t in state.unused_content() if t.clause == clause]
        if unknown:
            result.unanswered.append(("".join(t.text for t in state.clause_tokens(clause)
                                              if not t.has("punct")), unknown))
        else:
            queries.extend(q for q in found if q not in queries)  # 增加了多少: answered already
        previous = info
    return queries


def _departments(state: State) -> tuple[int, ...]:
    """The departments whose disclosures answer: those named, else the only one held."""
    held = state.model.budget_departments
    named = [d for m in state.mentions if m.kind == "dept" for d in sorted(m.ids)]
    for dept in named:
        if dept not in held:
            have = "、".join(state.model.department_label(d) for d in sorted(held)) or "没有任何部门"
            state.refusal = (f"无法回答：库中没有{state.model.department_label(dept)}的部门预算公开"
                             f"（部门预算只有：{have}），不能用别的数代替。")
            return ()
    if named:
        return tuple(dict.fromkeys(named))
    return tuple(sorted(held))


def _clause_parts(state: State, info: ClauseInfo, base: Query, depts: tuple[int, ...],
                  done: list[Query], focus: Query | None = None) -> list[Query]:
    years = _years(state, info, base)
    pieces = _pieces(state, info)
    terms = {alias: target for alias, target in state.model.lexicon.terms}
    narrowing = "".join(p.text(terms) for p in pieces if p.narrows) + _background(state, info, terms)
    targets = [p for p in pieces if not p.narrows]
    if not pieces and not done:  # 卫生健康支出（210）23年和今年各多少: the figure was named before
        earlier = _background_pieces(state, info)
        pieces = targets = [Piece([t for p in earlier for t in p.tokens])] if earlier else []
        if not pieces and focus is not None and focus.over == FIGURES:  # 去年呢: the figure asked last
            _asking_words(info)
            return [replace(focus, years=years, year=years[-1], derived=base.derived)]
    if not targets and done and pieces:  # 基本支出里安排了多少: the last figure, narrowed
        last = next(f for f in done[-1].filters if isinstance(f, FigureIs))
        narrowing += last.context + last.display
        targets = pieces
    elif not targets:
        targets = pieces
    filters_base = (InDepartments(depts, tuple(state.model.department_label(d) for d in depts)),)
    out: list[Query] = []
    lines_only = _below_asked(state, info) == "children"  # subjects are ranked under a table line
    figures = [_table_total(state)] if not targets and state.table_named else []
    for piece in targets:
        keys = _match(state, piece, narrowing, terms, lines_only)
        if keys:
            for narrower in (p for p in pieces if p.narrows):
                _mark_covered(narrower, keys, terms, state.model.lexicon.tables)
            figures.append(FigureIs(tuple(keys), piece.shown(terms), narrowing))
    for figure in (f for f in figures if f.keys):
        out.append(replace(base, over=FIGURES, filters=(*filters_base, figure),
                           outputs=(Output(FIGURE),), years=years, year=years[-1], shape=NUMBER))
    _asking_words(info)
    if not out and done:
        out = [_again(done, info, years)]
    if out and ((info.asked_noun == "department"
                 and (info.extreme or state.ordinal or info.sort or info.each))
                or info.per_department):
        order = _ranking(state, info) or Order(desc=info.sort != "asc")
        return [replace(q, order=order, group_by_department=True, shape=LIST) for q in out]
    below = _below_asked(state, info)
    if below is not None and out:
        out = [replace(q, outputs=(Output(below),), order=_ranking(state, info), level=_level(state, info),
                       shape=TEXT) for q in out]
    if "share" in info.derived and out:
        wholes = [p for p in pieces if p.narrows] or _background_pieces(state, info)[-1:]
        whole_keys = _match(state, wholes[0], "", terms) if wholes else []
        if whole_keys:
            whole = replace(out[0],
                            filters=(*filters_base, FigureIs(tuple(whole_keys), wholes[0].text(terms))))
            out = [replace(q, derived=Derived("share", other=whole)) for q in out]
    if SUM in info.aggs and len(out) > 1:
        out.append(_sum_of(out))
    elif SUM in info.aggs and len(out) == 1 and spans_halves(_keys(out[0]), state.model.lexicon):
        out = [replace(out[0], outputs=(Output(FIGURE, SUM),))]  # 基本支出 and 项目支出 halves added
    if "change" in info.derived or (base.derived is not None and base.derived.kind == "change"):
        base_year = base.derived.base_year if base.derived else None
        out = [replace(q, derived=Derived("change", base_year=base_year)) for q in out]
    return out


def _keys(query: Query) -> tuple[FigureKey, ...]:
    return tuple(k for f in query.filters if isinstance(f, FigureIs) for k in f.keys)


def _table_total(state: State) -> FigureIs:
    """A table named by its number with no line of it named: its total line (``totals.tsv``)."""
    lexicon = state.model.lexicon
    table = lexicon.tables.get(state.table_named)
    keys = tuple(k for k in state.model.figure_keys
                 if k.table_no == state.table_named and normalise(k.subject) in lexicon.total_words)
    return FigureIs(keys, f"表{state.table_named}（{table.name}）合计" if table else "")


def _below_asked(state: State, info: ClauseInfo) -> str | None:
    """Whether the clause asks what stands under a figure: its parts (由哪些构成, 分项各多少) or the
    largest of them (…里哪个科目最多, 哪一项最大, 增加最多的项级科目)."""
    if info.asked_noun == "department":
        return None  # 哪个部门的三公经费最高: departments are ranked, see _across_departments
    ranks = info.extreme is not None or state.ordinal is not None
    if ranks:
        return "children"
    if any(t.cue("构成") for t in state.clause_tokens(info.clause)) or (
            info.asked_noun == "subject" and "list" in info.shapes):
        return "parts"
    return None


def _ranking(state: State, info: ClauseInfo) -> Order | None:
    for token in state.clause_tokens(info.clause):
        if token.cue("构成"):
            token.used = True
    if info.extreme is not None:
        way, token = info.extreme
        token.used = True
        return Order(desc=way == "max", limit=count_near(state, token))
    if state.ordinal is not None:
        desc, offset, limit = state.ordinal
        return Order(desc=desc is not False and info.sort != "asc", offset=offset, limit=limit)
    if info.sort is not None:
        return Order(desc=info.sort == "desc")
    return None


def _level(state: State, info: ClauseInfo) -> int | None:
    for clause in (info.clause, *(c for c in state.clauses() if not state.asked(c))):
        for token in state.clause_tokens(clause):
            if token.get("level") is not None:
                token.used = True
                return token.get("level")
    return None


def _again(done: list[Query], info: ClauseInfo, years: tuple[int, ...]) -> Query:
    """A clause that names no figure asks again about the last one (该项/它 …, 合计多少, 涨了多少)."""
    last = done[-1]
    if SUM in info.aggs:
        return _sum_of([q for q in done if q.year == last.year and not q.derived])
    if "subject" in (n for n, _ in info.nouns):
        return replace(last, outputs=(Output("subjects"),), shape=TEXT)
    return replace(last, years=years, year=years[-1])


def _sum_of(parts: list[Query]) -> Query:
    """The total of the figures of earlier parts: each keeps its own keys, one figure each (a figure
    asked twice is counted once)."""
    by_keys = {f.keys: f for q in parts for f in q.filters if isinstance(f, FigureIs)}
    # a figure asked in general before its parts were asked one by one is not added again
    figures_asked = tuple(f for f in by_keys.values()
                          if not set(f.keys) >= {k for g in by_keys.values() if g is not f for k in g.keys})
    figures_asked = figures_asked or tuple(by_keys.values())
    return replace(parts[0], filters=(*parts[0].filters[:1], *figures_asked), outputs=(Output(FIGURE, SUM),))


def _years(state: State, info: ClauseInfo, base: Query) -> tuple[int, ...]:
    own = [y for y, clause in state.clause_years if clause == info.clause]
    return tuple(own) if own else (base.years or ((base.year,) if base.year else ()))


def _asking_words(info: ClauseInfo) -> None:
    info.use(*info.aggs.values(), *info.shapes.values(), *info.derived.values(), info.followup,
             info.measures.get("amount"), *(t for n, t in info.nouns if n == "subject"))


def _pieces(state: State, info: ClauseInfo) -> list[Piece]:
    """The clause's figure words, split at 和/与/、 and marked when followed by 里/中."""
    pieces: list[Piece] = [Piece()]
    for token in state.clause_tokens(info.clause):
        if token.used and not token.has("figure"):
            continue
        if token.joins():
            pieces.append(Piece())
        elif token.contains():
            token.used = True
            pieces.extend(_split_container(pieces.pop()))
            pieces.append(Piece())
        elif _names_figure(token):
            pieces[-1].tokens.append(token)
    pieces = [p for p in pieces
              if any(not t.has("filler") or t.has("figure") or t.has("unknown") for t in p.tokens)]
    if len(pieces) == 1:  # 由哪些项目构成: an object noun alone names no figure (项目 of 基本、项目 does)
        pieces[0].tokens = [t for t in pieces[0].tokens if not (t.has("noun") and not t.has("figure"))]
        pieces = [p for p in pieces if p.tokens]
    return _shared_qualifier(pieces)


def _split_container(piece: Piece) -> list[Piece]:
    """…一般公共服务支出在全部支出预算中: 中 makes only the figure right before it the whole; the
    figure words before that stay a figure asked about."""
    named = [i for i, t in enumerate(piece.tokens) if t.has("figure") or t.has("term")]
    if len(named) < 2:
        return [Piece(piece.tokens, narrows=True)]
    cut = named[-1]
    return [Piece(piece.tokens[:cut]), Piece(piece.tokens[cut:], narrows=True)]


def _shared_qualifier(pieces: list[Piece]) -> list[Piece]:
    """50205委托业务费基本、项目: in a coordination the first conjunct's leading words qualify every
    conjunct; only its last word is a conjunct itself."""
    targets = [p for p in pieces if not p.narrows]
    if len(targets) < 2:
        return pieces
    first = targets[0]
    content = [t for t in first.tokens if not (t.has("filler") and len(t.senses) == 1)]
    if len(content) < 2:
        return pieces
    last = content[-1]
    qualifier = Piece([t for t in first.tokens if t is not last], narrows=True)
    first.tokens = [last]
    return [qualifier, *pieces]


def _names_figure(token: Token) -> bool:
    if token.has("punct") or token.has("dept") or token.has("year"):
        return False
    if any(token.cue(role) is not None for role in ASKING):
        return False
    if token.has("figure"):
        return True
    return not (token.has("measure") or token.get("noun") == "subject")


def _background_pieces(state: State, info: ClauseInfo) -> list[Piece]:
    """Figure words of the background clauses before this one, nearest last."""
    pieces = []
    for clause in state.clauses():
        if clause < info.clause and not state.asked(clause):
            piece = Piece([t for t in state.clause_tokens(clause)
                           if _names_figure(t) and not t.has("filler")])
            if piece.tokens:
                pieces.append(piece)
    return pieces


def _background(state: State, info: ClauseInfo, terms: dict[str, str]) -> str:
    """Figure words of background clauses before this one narrow it (…50205委托业务费，基本支出…)."""
    words = []
    for clause in state.clauses():
        if clause >= info.clause or state.asked(clause):
            continue
        for token in state.clause_tokens(clause):
            if _names_figure(token) and not token.has("filler"):
                words.append(terms.get(token.text, token.text))
                token.used = True
    return "".join(words)


def _match(state: State, piece: Piece, narrowing: str, terms: dict[str, str],
           lines_only: bool = False) -> list[FigureKey]:
    """The figure keys whose wording covers the piece best (ties kept); marks the words covered.

    A key's own labels (subject, code, column, narrative item) count twice as much as the words
    for its table, so "人员经费" picks the 人员经费 column, not every line of the table that has it.
    Filler words only help when the content words alone match nothing ("实际用了几辆车").
    A word that is the full name of some figure must be found whole in the keys chosen: sharing
    a few characters with another line (服务支出) is not naming it.
    """
    content = Piece([t for t in piece.tokens if not (t.has("filler") and len(t.senses) == 1)])
    tables = state.model.lexicon.tables
    for text in (content.text(terms), piece.text(terms)):
        keys = _best_keys(state, text, narrowing, lines_only)
        wording = [w for k in keys for w in (*k.words(), *k.table_words(tables))]
        if keys and all(any(normalise(t.get("figure")) in w for w in wording)
                        for t in piece.tokens if t.has("figure")):
            _mark_covered(piece, keys, terms, tables)
            return keys
    if state.table_named in tables and any(t.has("figure") for t in piece.tokens):
        table = tables[state.table_named]
        state.refusal = (f"无法回答：表{table.number}（{table.name}）中没有“{piece.shown(terms)}”这一行；"
                         "可以不指定表号再问，或换一张表。")
    return []


def _best_keys(state: State, text: str, narrowing: str, lines_only: bool = False) -> list[FigureKey]:
    if not text:
        return []
    tables, named = state.model.lexicon.tables, state.table_named
    scored = []
    for key in state.model.figure_keys:
        if ((lines_only or named) and key.source != "line") or (named and key.table_no != named):
            continue  # a table named by number holds the answer, or nothing does
        own, table = key.words(), key.table_words(tables)
        # the key's own labels count double; naming its table is as good as that, not more: so a
        # table named in full picks its total line over a subject sharing a few characters with it
        score = max(2 * covered(text, *own), covered(text, *table))
        if score < MIN_COVER:
            continue
        scored.append((score + covered(narrowing, *own, *table), key))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [key for score, key in scored if score == best]


def _mark_covered(piece: Piece, keys: list[FigureKey], terms: dict[str, str], tables: dict) -> None:
    """Words of the piece the chosen keys' wording covers are understood; a word of one or two
    characters counts when all its characters occur there (辆车 in 实际使用车辆)."""
    wording = "".join(w for k in keys for w in (*k.words(), *k.table_words(tables)))
    for token in piece.tokens:
        shown = terms.get(token.text, token.text)
        whole = covered(shown, wording) >= len(shown) ** 2
        short = len(shown) <= 2 and all(ch in wording for ch in shown)
        if token.has("filler") or token.has("figure") or whole or short:
            token.used = True
