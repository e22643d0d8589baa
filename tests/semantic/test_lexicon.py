"""The lexicon files and the tagger: numbers and units, normalising, word classes, groups, tokens.

The lexicon is reviewed data that the parser trusts blindly: a row that says
something twice, or two rows that say different things of one word, change
answers silently (the later row wins, or a set picks one at random).  So every
file is checked for shape and duplicates here.  The tagger tests run on the
sample store, whose names the expected tokens use.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from assistant.lexicon import HERE, Lexicon, lexicon, normalise, normalise_question, rows

# ----- numbers and units ---------------------------------------------------------------------------

NUMBERS = [
    # text, where the number starts, value in 万元 (money) or as counted, unit kind, what it counts
    ("超过1,086.6万元的专项", 2, "1086.6", "money", None),
    ("502.00万元", 0, "502", "money", None),
    ("两千万以上", 0, "2000", "money", None),
    ("过千万的专项", 1, "1000", "money", None),
    ("上百万的专项", 1, "100", "money", None),
    ("一百五十万", 0, "150", "money", None),
    ("5000000元", 0, "500", "money", None),
    ("超过1亿", 2, "10000", "money", None),
    ("2.5亿元", 0, "25000", "money", None),
    ("0.5万", 0, "0.5", "money", None),
    ("十二个专项", 0, "12", "count", None),
    ("最少的三家", 3, "3", "count", "department"),
    ("几名联系人", None, None, None, None),
    ("95%以上", 0, "95", "percent", None),
    ("2024年", 0, "2024", "year", None),
    ("23年", 0, "23", "year", None),
    ("第三", 1, "3", None, None),
    ("前五个", 1, "5", "count", None),
    ("倒数第二", 3, "2", None, None),
    ("第二十一", 1, "21", None, None),
    ("俩街道", 0, "2", None, None),
]


def _value(number) -> Decimal:
    if number.unit is not None and number.unit.kind == "money":
        return number.value * number.unit.to_wan
    return number.value


@pytest.mark.parametrize(("text", "start", "value", "kind", "counts"), NUMBERS)
def test_numbers_with_units(text, start, value, kind, counts):
    text = normalise_question(text)
    if start is None:  # no number anywhere
        assert all(lexicon().number_at(text, i) is None for i in range(len(text)))
        return
    number = lexicon().number_at(text, start)
    assert number is not None
    assert _value(number) == Decimal(value)
    assert (number.unit.kind if number.unit else None) == kind
    assert (number.unit.counts if number.unit else None) == counts


@pytest.mark.parametrize(("text", "start"), [("进一步", 1), ("统一口径", 1), ("一般公共服务支出", 0),
                                             ("两", 0), ("万东镇", 0), ("百分比", 0)])
def test_numerals_inside_words_are_no_numbers(text, start):
    """一 of 进一步 or 一般 counts nothing, 万 of 万东镇 is a place: none of them may become a bound."""
    assert lexicon().number_at(normalise_question(text), start) is None


def test_full_width_digits_read_as_digits():
    text = normalise_question("超过１，０００万元")
    number = lexicon().number_at(text, 2)
    assert number is not None and _value(number) == Decimal(1000)


# ----- normalising ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names", "question"), [
    ("“三公”经费", "三公经费", "“三公”经费"),
    ("‘惠民’专项", "惠民专项", "‘惠民’专项"),
    ("ＡＢＣ １２３", "abc123", "abc123"),
    ("卫健局 有几个\n专项", "卫健局有几个专项", "卫健局有几个专项"),
    ("（含）以上", "(含)以上", "(含)以上"),
])
def test_normalising_drops_spaces_and_quotes_only_for_names(text, names, question):
    """Names compare without quotation marks; a question keeps them, because they mark a quoted name."""
    assert normalise(text) == names
    assert normalise_question(text) == question


# ----- word classes --------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "word_class", "ignorable"), [
    ("找", "v", True),
    ("看看", "v", True),
    ("进一步", "d", True),
    ("两边", "f", True),
    ("不考虑", "v", False),  # a negation may turn a condition round
    ("没有", "v", False),
    ("非", "d", False),
    ("人均", "n", False),  # a measure nobody defined
    ("碳足迹", "n", False),
    ("年龄", "n", False),
    ("执行", "vn", False),
    ("偏大", "a", False),
])
def test_which_unknown_words_may_be_left_aside(word, word_class, ignorable):
    assert lexicon().ignorable(word, word_class) is ignorable


# ----- department groups -------------------------------------------------------------------------

ZONE = "重庆市万盛经济技术开发区"


@pytest.mark.parametrize(("group", "full_name", "admitted"), [
    ("镇", "重庆市綦江区万东镇人民政府", True),
    ("镇", "重庆市綦江区人民政府万盛街道办事处", False),
    ("街道", "重庆市綦江区人民政府东林街道办事处", True),
    ("街道", "重庆市綦江区南桐镇人民政府", False),
    ("镇街", "重庆市綦江区南桐镇人民政府", True),
    ("镇街", "重庆市綦江区人民政府东林街道办事处", True),
    ("镇街", ZONE + "交通局", False),
    ("乡镇", "某县某某乡人民政府", True),
    ("区级部门", ZONE + "卫生健康局", True),
    ("区级部门", "重庆市綦江区万东镇人民政府", False),
    ("区级部门", "重庆市綦江区人民政府万盛街道办事处", False),
    ("群团组织", "中国共产主义青年团" + "重庆市万盛经济技术开发区委员会", True),
    ("群团组织", ZONE + "妇女联合会", True),
    ("群团组织", ZONE + "残疾人联合会", True),
    ("群团组织", ZONE + "卫生健康局", False),
    ("群团", ZONE + "总工会", True),
])
def test_groups_admit_departments_by_their_full_names(group, full_name, admitted):
    assert lexicon().groups[group].admits(full_name) is admitted


# ----- the files themselves --------------------------------------------------------------------------

COLUMNS = {"admin_levels.tsv": 1, "aliases.tsv": 3, "cues.tsv": 3, "fillers.tsv": 1, "groups.tsv": 3,
           "measures.tsv": 2, "name_tails.tsv": 2, "negations.tsv": 1, "nouns.tsv": 2,
           "subject_levels.tsv": 2, "tables.tsv": 5, "totals.tsv": 1, "units.tsv": 4, "word_classes.tsv": 2}


def test_every_lexicon_file_is_known_and_parses():
    """A new file must be added here with its shape; every row has all its cells, and the lexicon loads."""
    assert {p.name for p in HERE.glob("*.tsv")} == set(COLUMNS)
    for name, width in COLUMNS.items():
        for cells in rows(name):
            assert len(cells) == width and all(cells), (name, cells)
    loaded = Lexicon()
    assert loaded.cues and loaded.measures and loaded.fillers and len(loaded.tables) == 16


def test_cue_roles_and_values_are_the_documented_ones():
    """Every role used is explained in the file's header (``#   作用  取值…``), for the reviewers."""
    roles = {cells[1] for cells in rows("cues.tsv")}
    header = (HERE / "cues.tsv").read_text(encoding="utf-8").split("\n")
    documented = {m.group(1) for line in header if (m := re.match(r"#\s{3}(\S+)\s", line))}
    assert roles <= documented, roles - documented
    for word, role, value in rows("cues.tsv"):
        if role in ("比较前", "比较后"):
            assert value in (">", ">=", "<", "<=", "="), (word, value)
        if role in ("方向", "排序"):
            assert value in ("asc", "desc"), (word, value)
        if role == "年份":
            assert int(value) in (-2, -1, 0, 1), (word, value)


def _keys(name: str) -> list[tuple]:
    """What a row of a file says, as the lexicon reads it (normalised word plus its role)."""
    data = rows(name)
    if name == "cues.tsv":  # a cue's role is (作用, 取值): one word may play several
        return [(normalise(w), role, value) for w, role, value in data]
    if name == "aliases.tsv":  # one alias of a kind points at one target
        return [(kind, normalise(alias)) for kind, alias, _ in data]
    if name == "tables.tsv":
        return [(cells[0],) for cells in data]
    return [(normalise(cells[0]),) for cells in data]


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_no_lexicon_file_says_a_word_twice(name):
    counts = Counter(_keys(name))
    assert [k for k, n in counts.items() if n > 1] == []


def test_no_word_is_two_measures_or_two_nouns():
    """A measure or object noun is one thing; the lexicon keeps only the last one read."""
    for name in ("measures.tsv", "nouns.tsv", "subject_levels.tsv", "units.tsv"):
        meaning: dict[str, set] = {}
        for cells in rows(name):
            meaning.setdefault(normalise(cells[0]), set()).add(tuple(cells[1:]))
        assert {w: m for w, m in meaning.items() if len(m) > 1} == {}, name


# ----- the tagger --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tagger(sample_engine):
    return sample_engine.tagger


def _texts(tokens) -> list[str]:
    return [t.text for t in tokens if not (t.has("filler") and len(t.senses) == 1)]


@pytest.mark.parametrize(("question", "pieces"), [
    ("城市管理设施维护专项预算多少", ["城市管理设施维护专项", "预算", "多少"]),
    ("万东镇招商引资专项有几个", ["万东镇招商引资专项", "有几个"]),
    ("卫健局有几个专项", ["卫健局", "有几个", "专项"]),
    ("两千万以上的专项", ["两千万", "以上的", "专项"]),
    ("人力资源和社会保障局专项合计", ["人力资源和社会保障局", "专项", "合计"]),
])
def test_the_longest_known_piece_wins(tagger, question, pieces):
    assert _texts(tagger.tag(question)) == pieces


def test_a_word_keeps_every_sense_it_has(tagger):
    """合计 is an aggregate and a table label; 预算 a measure and a kind of figure: the parser decides."""
    by_text = {t.text: t for t in tagger.tag("合计预算多少")}
    assert by_text["合计"].cue("汇总") == "sum" and by_text["合计"].has("figure")
    assert by_text["预算"].get("measure") == "amount" and by_text["预算"].cue("类别") == "budget"


@pytest.mark.parametrize(("question", "piece", "fund_names"), [
    ("交通惠民那个专项多少钱", "交通惠民", {"交通惠民服务专项"}),
    ("计生惠民服务专项", "计生惠民服务专项", {"计划生育惠民服务专项"}),
    ("社会救助专项有多少", "社会救助专项", {"民政局社会救助专项"}),
])
def test_parts_and_short_forms_of_fund_names(sample_engine, question, piece, fund_names):
    token = next(t for t in sample_engine.tagger.tag(question) if t.text == piece)
    assert {sample_engine.model.funds[i].name for i in token.get("fund")} == fund_names


def test_a_shared_fund_name_names_every_fund_that_has_it(sample_engine):
    """招商引资专项 is one district fund's name and part of each town's: the name stands for all of them."""
    token = sample_engine.tagger.tag("招商引资专项有几个")[0]
    names = {sample_engine.model.funds[i].name for i in token.get("fund")}
    assert "招商引资专项" in names and len(names) >= 5 and all("招商引资" in n for n in names)


def test_a_single_character_taken_early_is_rejoined(tagger):
    """处|于 → 处于: 于 alone is a filler, but with 处 it is one word (which may be left aside)."""
    tokens = tagger.tag("这个专项处于前列吗")
    joined = next(t for t in tokens if t.text == "处于")
    assert (joined.start, joined.end) == (4, 6)
    assert "于" not in [t.text for t in tokens] and not joined.not_understood


def test_a_bracketed_note_is_a_clause_and_the_sentence_goes_on_after_it(tagger):
    tokens = {t.text: t.clause for t in tagger.tag("卫健局（不含医保中心）有几个专项，合计多少")}
    assert tokens["卫健局"] == tokens["有几个"] == tokens["专项"]
    assert tokens["不含"] == tokens["医保中心"] != tokens["卫健局"]
    assert tokens["合计"] not in (tokens["卫健局"], tokens["不含"])


def test_quotation_marks_are_kept_around_a_quoted_name(tagger):
    texts = [t.text for t in tagger.tag("名称里带“惠民”的专项")]
    assert texts[texts.index("“") + 1: texts.index("”")] == ["惠民"]


@pytest.mark.parametrize(("question", "word", "not_understood"), [
    ("帮我找一下卫健局的专项", "找", False),
    ("进一步看看卫健局专项", "进一步", False),
    ("城管局专项的碳足迹强度是多少", "足迹", True),
    ("交通局专项的人均投入是多少", "人均", True),
])
def test_unknown_words_that_only_say_how_to_ask_are_not_reported(tagger, question, word, not_understood):
    token = next(t for t in tagger.tag(question) if t.text == word)
    assert token.not_understood is not_understood
