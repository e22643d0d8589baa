"""The embedded engine: no LLM, no network — understand, plan, run SQL, answer with citations.

Routing is by what the Intent holds.  First the refusals: no documents, a year
or a name the store lacks, a pronoun with nothing before it.  Then the first
plan that answers, in this order: who is behind a phone or a name, a term's
definition, the department-budget disclosure, where sources disagree, facts
about named funds (budget, name, forms, contact, indicators, texts), indicator
filters across funds, "which fund pays for…" by meaning, rankings and totals
over funds and departments, then search by meaning.  Whatever cannot be
answered is said plainly; nothing is guessed.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.answer import Answer
from assistant.conversation import Conversation
from assistant.intent import Intent, parse
from assistant.plans import fund_facts, funds
from assistant.plans.contacts import contact_lookup, wants_contact_lookup
from assistant.plans.definitions import ASKS_MEANING, definition
from assistant.plans.dept_budget import DeptBudgetPlan, department_documents, target_document
from assistant.plans.disagreements import disagreements
from assistant.plans.fund_data import department_totals, fetch_funds
from assistant.plans.indicator_filter import indicator_filter, wants_indicator_filter
from assistant.plans.result import Draft
from assistant.plans.semantic import Searcher, by_meaning
from assistant.sqlrun import Runner
from assistant.vocabulary import Span, Vocabulary, display_name
from db import models as m

_DEPT_BUDGET_CUES = re.compile(
    r"三公|机关运行|政府采购|基本支出|项目支出|人员经费|公用经费|科目|功能分类|经济分类|政府性基金|"
    r"国有资本|收入预算|支出预算|部门预算|财政拨款|车辆|几辆|公积金|养老|医疗|行政运行|收支"
)
# a department-like name: 2-8 characters ending like an agency, not a phrase such as 这三个镇
_ENTITY_LIKE = re.compile(
    r"(?:(?![这那哪各每几个些的和与及所有全其它给对为向在从把被])[\u4e00-\u9fa5]){2,8}?"
    r"(?:局|镇(?!街)|街道|中心|委员会|联合会|馆)"
)
_KEY_FUND_WORDS = re.compile(r"专项")
# the first part of the question ranks or adds up: "哪个镇的专项资金合计最多" is no description
_RANKING = re.compile(
    r"最多|最少|最大|最小|最高|最低|排第|排名|合计|一共|加起来|多多少|相差|差多少|差额|占|几个|多少个|"
    r"第[一二三四五六七八九十\d]+(?:位|名)|从高到低|从低到高|"
    r"(?:专项|资金)(?:多|少)|谁的"
)
_GENERIC_PLACES = ("乡镇", "城镇", "村镇", "集镇", "小城镇", "社区中心", "服务中心")
# the question asks which fund pays for something: a fund question even when it mentions 养老/医疗
_WHICH_FUND = re.compile(
    r"哪(?:个|一个|项|笔)(?:(?:镇|街道|部门|单位|局)的?(?:哪个)?)?(?:专项|项目|资金)|什么专项|从哪.{0,4}出|"
    r"哪里出的钱|(?:专项|资金)在出"
)
# a pronoun that needs an earlier answer to mean anything
_MAX_CONTACTS = 10
# the group a ranked noun means ("专项最多的那个镇" ranks towns only)
_KIND_GROUP = {"镇": "各镇", "镇街": "镇街", "街道": "街道"}
_PRONOUN = re.compile(r"它|这个专项|该专项|那个专项|这个部门|该部门|这些专项|其联系人|其预算")


class RuleEngine:
    """Answers questions from the SQL store with the rules of ``assistant.intent``."""

    def __init__(self, engine: Engine, index: Searcher | None = None) -> None:
        self.engine = engine
        self.index = index
        self.vocab = Vocabulary(engine)
        self.cache: dict = {}
        with Session(engine) as session:
            years = set(session.scalars(select(m.Document.year).where(m.Document.year.is_not(None))))
            years |= set(session.scalars(select(m.BudgetLine.year).distinct()))
            years |= set(session.scalars(select(m.StatedFact.year).where(m.StatedFact.year.is_not(None))))
        self.years = years

    def ask(self, question: str, conversation: Conversation) -> Answer:
        with Session(self.engine) as session:
            runner = Runner(session, self.cache)
            draft = Draft()
            intent = parse(question, self.vocab)
            self._route(intent, conversation, runner, draft)
            answer = draft.finish(question, runner)
        if draft.fund_ids or draft.department_ids:
            conversation.focus.fund_ids = draft.fund_ids
            conversation.focus.department_ids = draft.department_ids
        return answer

    # ----- routing ------------------------------------------------------------------------
    def _route(self, intent: Intent, conversation: Conversation, runner: Runner, draft: Draft) -> None:
        if self._refused(intent, conversation, draft):
            return
        first_part = re.split(r"[？?]", intent.question)[0]
        which_fund = (self.index is not None and bool(_WHICH_FUND.search(first_part))
                      and not _RANKING.search(first_part))
        handlers = (
            lambda: wants_contact_lookup(intent, self.vocab) and contact_lookup(intent, runner, draft),
            lambda: bool(ASKS_MEANING.search(intent.question)) and definition(intent, runner, draft),
            lambda: not which_fund and self._department_budget(intent, runner, draft),
            lambda: intent.wants_mismatch and not (intent.funds or intent.departments or intent.group)
            and disagreements(intent, runner, draft),
            lambda: self._fund_facts(intent, runner, draft),
            lambda: wants_indicator_filter(intent, self.vocab) and indicator_filter(
                intent, self.vocab, runner, draft, quiet_when_empty=self.index is not None),
            # "…是哪个镇的哪个专项": what it describes decides; a named group only narrows it
            lambda: which_fund and not intent.funds and by_meaning(
                intent, self.index, runner, draft, within=funds.scope_ids(intent)),
            lambda: self._aggregate(intent, runner, draft),
            lambda: self.index is not None and not intent.departments and by_meaning(
                intent, self.index, runner, draft),
        )
        if not any(handler() for handler in handlers):
            self._not_understood(intent, draft)

    def _refused(self, intent: Intent, conversation: Conversation, draft: Draft) -> bool:
        """Questions the store cannot answer at all: no documents, a year or a name it lacks, "它" unknown."""
        if not self.vocab.funds and not self.years:
            draft.lines.append(
                "库中还没有任何预算文件，请先导入（命令行 budgetqa ingest，或页面的“导入文件”）。")
            draft.understood = False
            return True
        unknown_years = [y for y in intent.years if y not in self.years]
        if unknown_years and not any(y in self.years for y in intent.years):
            have = "、".join(str(y) for y in sorted(self.years))
            draft.lines.append(f"库中没有{unknown_years[0]}年的数据（现有年度：{have}），无法回答。")
            draft.understood = False
            return True
        unknown = None if _WHICH_FUND.search(intent.question) else self._unknown_entity(intent)
        if unknown:
            draft.lines.append(f"库中没有找到“{unknown}”，请检查名称（可用全称或常用简称）。")
            draft.understood = False
            return True
        self._apply_followup(intent, conversation)
        if intent.partial_funds and self.index is not None and _WHICH_FUND.search(intent.question):
            # "落实老干部…待遇的钱是哪个专项": a description that shares words with some fund's name
            # asks which fund it is, so meaning decides, not the partial name match
            intent.funds = []
        if (intent.followup and _PRONOUN.search(intent.question) and not _WHICH_FUND.search(intent.question)
                and not (intent.funds or intent.departments or intent.group)
                and not (intent.superlative_department or intent.superlative_fund)):
            draft.lines.append("不清楚问的是哪个专项或部门：请在问题中写出专项或部门名称，"
                               "或在同一对话中先问到它。")
            draft.understood = False
            return True
        return False

    def _department_budget(self, intent: Intent, runner: Runner, draft: Draft) -> bool:
        """The 部门预算 disclosure answers when its department is named, or its wording is used."""
        doc = target_document(intent, department_documents(runner))
        if doc is None or intent.funds:
            return False
        named = any(d.id == doc.department_id for d in intent.departments)
        worded = (_DEPT_BUDGET_CUES.search(intent.question) or self.vocab.names_subject(intent.question)
                  or self.vocab.term_expansions(intent.question))
        if not (named or (worded and not intent.departments)):
            return False
        DeptBudgetPlan(doc, self.vocab, runner, draft).answer(intent)
        draft.department_ids = [doc.department_id] if doc.department_id else []
        return True

    def _apply_followup(self, intent: Intent, conversation: Conversation) -> None:
        """Reuse the last answer's funds/departments when the question names none."""
        focus = conversation.focus
        if intent.funds or intent.departments or intent.group:
            return
        if not (intent.followup or intent.wants_contact or intent.wants_indicator or intent.wants_name):
            return
        intent.funds = [f for f in (self.vocab.fund(i) for i in focus.fund_ids) if f]
        if not intent.funds:
            intent.departments = [self.vocab.departments[i] for i in focus.department_ids
                                  if i in self.vocab.departments]

    def _superlative_department(self, intent: Intent, runner: Runner, draft: Draft) -> None:
        """Step one of "专项最多的部门，它最大那个专项…": the department the question ranks."""
        if intent.departments or not intent.superlative_department or not (
            intent.superlative_fund or intent.wants_contact or intent.wants_indicator or intent.wants_name
            or intent.funds or intent.fund_group
        ):
            return
        group = intent.group or self.vocab.group_members(_KIND_GROUP.get(intent.department_kind, ""))
        scope = {d.id for d in group[1]} if group else None
        rows = runner.rows(department_totals(scope))
        if not rows:
            return
        least = intent.least_department
        if intent.department_rank > len(rows):
            return
        row = rows[-intent.department_rank] if least else rows[intent.department_rank - 1]
        intent.departments = [self.vocab.departments[row["department_id"]]]
        rank = intent.department_rank
        place = ("最少" if least else "最多") if rank == 1 else f"第{rank}"
        draft.lines.append(f"按专项资金目录口径，专项合计{place}的是"
                           f"{display_name(row['department'])}（{row['funds']}项）。")
        # "…最少的那个镇，它的城乡环境管理专项…": a fund name means that department's fund of that name
        relinked = self.vocab.link_funds(intent.question, {row["department_id"]})
        intent.funds, intent.fund_group = [f for f, _, _ in relinked], None
        intent.superlative_fund = not intent.funds

    def _target_funds(self, intent: Intent, runner: Runner) -> list[int]:
        """Funds a fact question is about: named ones, or a department's largest ("最高的那个专项")."""
        if intent.funds:
            return [f.id for f in intent.funds]
        if intent.catalog_seq is not None:
            rows = fetch_funds(runner, m.Fund.catalog_seq == intent.catalog_seq)
            return [f.id for f in rows]
        if intent.superlative_fund and intent.departments:
            rows = fetch_funds(runner, m.Fund.department_id.in_({d.id for d in intent.departments}))
            if len(rows) < intent.fund_rank:
                return []
            return [rows[-intent.fund_rank if intent.least_fund else intent.fund_rank - 1].id]
        facet = (intent.wants_contact or intent.wants_indicator or intent.wants_name or intent.wants_form
                 or intent.wants_overview or intent.wants_goal)
        if intent.superlative_fund and not intent.departments and not intent.superlative_department and facet:
            rows = fetch_funds(runner)  # the largest (smallest) of all funds, then its facts
            return [rows[-1 if intent.least_fund else 0].id] if rows else []
        if intent.departments:
            rows = fetch_funds(runner, m.Fund.department_id.in_({d.id for d in intent.departments}))
            if intent.wants_contact:  # "应急管理局的专项找谁": each of its funds
                return [f.id for f in rows[:_MAX_CONTACTS]]
            if intent.wants_indicator and fund_facts.counts_indicators(intent.question):
                return [f.id for f in rows]  # "规资局四个专项的核心指标一共有几条"
            if len(rows) == 1 and (intent.wants_form or intent.wants_indicator or intent.wants_overview
                                   or intent.wants_goal or intent.wants_name
                                   or fund_facts.names_an_indicator_of(rows[0], intent.question, runner)):
                return [rows[0].id]  # "国资中心负责的那个专项有绩效目标表吗": its only fund
        return []

    def _fund_facts(self, intent: Intent, runner: Runner, draft: Draft) -> bool:
        self._superlative_department(intent, runner, draft)
        if intent.catalog_seq is not None and not intent.funds:
            intent.op = "lookup"  # "目录第69项": the entry itself, whatever else the wording suggests
        wants_facet = (intent.wants_contact or intent.wants_indicator or intent.wants_name
                       or intent.wants_form or intent.wants_overview or intent.wants_goal
                       or intent.wants_actuals or intent.wants_department or intent.wants_forms)
        if intent.op not in ("lookup", "list") and not wants_facet and not (
                intent.superlative_fund and intent.departments):  # "…钱少的那个专项，要指导多少个…"
            return False
        if intent.fund_group and not wants_facet:
            return False
        if intent.op == "list" and intent.departments and not intent.funds and not intent.superlative_fund:
            return False
        ids = self._target_funds(intent, runner)
        if not ids:
            return False
        rows = fund_facts.load(runner, ids)
        if not wants_facet and len(rows) == 1 and fund_facts.names_an_indicator_of(
                rows[0], intent.question, runner):
            intent.wants_indicator = wants_facet = True  # "…钱少的那个，国家助学贷款办理周期要求多长"
        if intent.superlative_fund and rows:
            f = rows[0]
            word = "最低" if intent.least_fund else "最高"
            if intent.fund_rank > 1:
                word = f"倒数第{intent.fund_rank}" if intent.least_fund else f"第{intent.fund_rank}高"
            owner = display_name(f.department) if intent.departments else "全部专项中"
            draft.lines.append(f"{owner}预算{word}的专项是{f.name}（{funds.fund_amounts(f)}）。")
            draft.cite(*f.rows())
        if len(rows) > 1 and intent.wants_indicator and fund_facts.counts_indicators(intent.question):
            fund_facts.indicator_counts(rows, runner, draft)
            intent.wants_indicator = False
        for fund in rows:
            if intent.wants_name:
                fund_facts.names(fund, runner, draft)
            if intent.wants_forms:
                fund_facts.forms(fund, runner, draft)
            if intent.wants_department:
                fund_facts.department(fund, runner, draft)
            if intent.wants_actuals:
                fund_facts.no_actuals(fund, draft)
            if intent.wants_form or (not wants_facet and not intent.superlative_fund) or (
                intent.wants_budget and not intent.superlative_fund and not intent.wants_actuals
            ):
                fund_facts.budget(fund, runner, draft, intent.question)
            if intent.wants_overview or intent.wants_goal:
                fund_facts.texts(fund, intent, runner, draft)
            if intent.wants_contact:
                fund_facts.contact(fund, intent, runner, draft)
            if intent.wants_indicator:
                fund_facts.indicators(fund, intent, runner, draft)
        draft.fund_ids = [f.id for f in rows]
        draft.department_ids = funds.department_ids_of_funds(runner, draft.fund_ids)
        return True

    def _aggregate(self, intent: Intent, runner: Runner, draft: Draft) -> bool:
        if not self._aggregate_plan(intent, runner, draft):
            return False
        # the plan may already have named what the answer is about (the top department)
        draft.department_ids = draft.department_ids or [d.id for d in intent.departments]
        draft.fund_ids = draft.fund_ids or [f.id for f in intent.funds]
        return True

    def _aggregate_plan(self, intent: Intent, runner: Runner, draft: Draft) -> bool:
        op = intent.op
        if intent.fund_group and op in ("lookup", "sum", "count", "list"):
            funds.keyword_group(intent, runner, draft)
            return True
        if intent.fund_group and op in ("top", "nth"):  # "各镇的城乡环境管理专项里哪家钱最多"
            funds.fund_ranking(intent, runner, draft)
            return True
        if op in ("rank_position", "top", "nth"):
            dept_rank = (intent.dept_level or (op == "rank_position" and intent.departments
                                               and not intent.funds))
            (funds.department_ranking if dept_rank else funds.fund_ranking)(intent, runner, draft)
            return True
        if op == "sum" and len(intent.funds) >= 2:  # "计划生育惠民服务和公共卫生惠民服务两个专项合计"
            funds.named_total(intent, runner, draft)
            return True
        if op == "compare" and len(intent.departments) == 2 and len(intent.funds) == 1:
            # "南桐镇和关坝镇的村社区组织经费保障专项差多少": each town's own fund of that name
            own = [self.vocab.link_funds(intent.question, {d.id}) for d in intent.departments]
            if all(own):
                intent.funds = [links[0][0] for links in own]
        if op == "compare" and (len(intent.funds) >= 2 or intent.departments):
            funds.compare(intent, runner, draft)
            return True
        if op == "share" and (intent.departments or intent.group or intent.funds or intent.k > 1):
            funds.share(intent, runner, draft)
            return True
        if op in ("count", "list") and intent.thresholds and intent.dept_threshold:
            funds.departments_over(intent, runner, draft)  # "哪些镇街的专项合计超过了1000万元"
            return True
        if op == "count":
            funds.counts(intent, runner, draft)
            return True
        if op == "list" and (intent.departments or intent.group or intent.thresholds):
            funds.listing(intent, runner, draft)
            return True
        if (op in ("sum", "lookup") and (intent.departments or intent.group)) or (
            op == "sum" and _KEY_FUND_WORDS.search(intent.question)
        ):
            funds.totals(intent, runner, draft)
            return True
        return False

    def _unknown_entity(self, intent: Intent) -> str | None:
        """A department-like name (…局, …镇, …中心) in the question that links to nothing."""
        for mt in _ENTITY_LIKE.finditer(intent.question):
            if mt.group().endswith(_GENERIC_PLACES):
                continue
            span = Span(mt.start(), mt.end())
            if not any(span.overlaps(s) for s in intent.spans):
                return mt.group()
        return None

    def _not_understood(self, intent: Intent, draft: Draft) -> None:
        draft.understood = False
        draft.lines.append("抱歉，没有理解这个问题，或现有资料无法回答。可以问：某专项的预算、"
                           "某部门有几个专项及合计、部门或专项排名、核心指标、联系人、部门预算中的三公经费等。")
