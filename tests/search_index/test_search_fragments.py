"""Fragments of a title find it wherever jieba cut the title, in either script; words rank first."""

from __future__ import annotations

import pytest

from search_index import SearchIndex
from search_index.analysis import index_grams, index_terms, query_grams, query_terms

EVERY_BACKEND = True  # Whoosh, and PostgreSQL when the test database is PostgreSQL (see conftest)


@pytest.fixture
def corpus(index: SearchIndex, suggestion, hearing) -> SearchIndex:
    index.rebuild(
        [
            suggestion(1, "L5县沙溪炼油厂环评合格吗？", "炼油厂离村子太近，气味很大。"),
            suggestion(2, "河道泥沙溪流改道", "泥沙溪水冲进农田。"),
            suggestion(3, "沙溪镇中心小学门口交通拥堵", "上学放学时段车辆乱停。"),
            suggestion(4, "A市A2区解放路公交站台破损", "站台顶棚漏雨，候车的老人只能淋雨。"),
            suggestion(5, "关于公積金貸款額度的建議", "公積金貸款額度太低，買不起房。"),
            suggestion(8, "学生活动中心开放时间太短", "周末不开放。"),
            suggestion(9, "小区生活垃圾清运不及时", "夏天气味很大。"),
            hearing(7, "出租车运价调整听证会", place="市民中心三楼", conclusion="起步价调整为十元"),
        ]
    )
    return index


def ids(results) -> list[str]:
    return [hit.doc_id for hit in results.hits]


def test_fragment_across_a_jieba_word_boundary_finds_the_title(corpus: SearchIndex) -> None:
    # jieba cuts the title 沙溪 / 炼油厂 but the query alone 沙溪 / 炼油 / 厂 or similar: either way
    assert ids(corpus.search("沙溪炼油厂"))[0] == "suggestion:1"
    assert ids(corpus.search("溪炼油厂环评")) == ["suggestion:1"]
    assert ids(corpus.search("厂环评合格")) == ["suggestion:1"]


@pytest.mark.parametrize("query", ["沙溪煉油廠環評", "溪煉油廠", "公積金貸款額", "积金贷款额度太"])
def test_fragments_in_either_script_find_either_script(corpus: SearchIndex, query: str) -> None:
    expected = "suggestion:1" if "油" in query else "suggestion:5"
    assert ids(corpus.search(query)) == [expected]


def test_a_fragment_with_the_place_code_finds_the_title(corpus: SearchIndex) -> None:
    assert ids(corpus.search("A2区解放路公交")) == ["suggestion:4"]
    assert ids(corpus.search("2区解放")) == ["suggestion:4"]  # cut inside the code


def test_characters_in_a_row_are_found_inside_other_words(corpus: SearchIndex) -> None:
    # jieba has 县沙溪, 泥沙 / 溪流 and 沙溪镇: no document holds the word 沙溪
    assert set(ids(corpus.search("沙溪"))) == {"suggestion:1", "suggestion:2", "suggestion:3"}


def test_word_matches_rank_above_characters_that_only_happen_to_be_in_a_row(corpus: SearchIndex) -> None:
    # 生活 is a word in 9; in 8 its characters sit in 学生 / 活动: found, but second
    assert ids(corpus.search("生活")) == ["suggestion:9", "suggestion:8"]


def test_one_character_finds_it_anywhere(corpus: SearchIndex) -> None:
    assert set(ids(corpus.search("溪"))) == {"suggestion:1", "suggestion:2", "suggestion:3"}
    assert set(ids(corpus.search("吗"))) == {"suggestion:1"}  # last character of a run
    assert set(ids(corpus.search("淋"))) == {"suggestion:4"}


def test_characters_not_in_a_row_do_not_match_as_a_fragment(corpus: SearchIndex) -> None:
    # every bigram of the query must be there: 溪沙 is nowhere
    assert ids(corpus.search("溪沙炼")) == []


def test_highlight_covers_the_whole_fragment(corpus: SearchIndex) -> None:
    hit = corpus.search("溪炼油厂环").hits[0]
    assert "<mark>溪炼油厂环</mark>" in hit.title_html
    hit = corpus.search("溪煉油廠").hits[0]  # Traditional query marks the Simplified title
    assert "<mark>溪炼油厂</mark>" in hit.title_html


def test_phrase_queries_and_operators_still_work(corpus: SearchIndex) -> None:
    assert ids(corpus.search('"公積金貸款"')) == ["suggestion:5"]
    assert ids(corpus.search('"貸款公積金"')) == []
    assert set(ids(corpus.search("沙溪 NOT 炼油"))) == {"suggestion:2", "suggestion:3"}
    assert set(ids(corpus.search("炼油厂 OR 站台破"))) == {"suggestion:1", "suggestion:4"}


def test_hearings_are_found_by_a_fragment_of_their_conclusion(corpus: SearchIndex) -> None:
    assert ids(corpus.search("价调整为十")) == ["hearing:7"]


def test_the_token_stream_functions_other_backends_share() -> None:
    # bigrams and last character of each run, then the edge grams: punctuation (any mark, as ，)
    # after 溪 and before 厂
    assert index_grams("L5县沙溪，厂") == ["l5", "5县", "县沙", "沙溪", "溪", "厂", "溪，", "，厂"]
    assert index_grams("沙溪?! 厂") == ["沙溪", "溪", "厂", "溪，"]  # a space is no punctuation
    assert query_grams("沙溪煉油 厂") == [["沙溪", "溪炼", "炼油"], ["厂"]]
    assert query_terms("住房公積金") == ["住房", "公积金"]
    assert "公积" in index_terms("公积金中心") and "公积金" in index_terms("公积金中心")


@pytest.fixture
def punctuated(index: SearchIndex, suggestion) -> SearchIndex:
    index.rebuild(
        [
            suggestion(1, "高速公路收费进度怎么这么慢", "收费站改造。"),
            suggestion(2, "旧城改造进度怎么这么慢", "改造拖了三年。"),
            suggestion(3, "城东立交桥施工进度怎么这么慢，何时能通车", "绕路很远。"),
            suggestion(4, "城西菜市场改造", "进度怎么这么慢，摊主都搬走了。"),
        ]
    )
    return index


def test_a_fragment_typed_with_its_punctuation_ranks_the_title_holding_it_first(punctuated: SearchIndex) -> None:
    # Search ignores punctuation, so the two shorter titles would rank above 3 by length alone;
    # the comma typed after 慢 is only in 3's title (4 has it in the body).
    assert ids(punctuated.search("进度怎么这么慢，"))[0] == "suggestion:3"
    assert ids(punctuated.search("这么慢？何时能"))[0] == "suggestion:3"  # any mark stands for any other
    assert set(ids(punctuated.search("进度怎么这么慢，"))) == {f"suggestion:{n}" for n in (1, 2, 3, 4)}
    assert ids(punctuated.search("进度怎么这么慢"))[0] != "suggestion:3"


def test_punctuation_the_text_does_not_have_hides_nothing(corpus: SearchIndex) -> None:
    # no text holds 损 before a punctuation mark: the fragment is still found
    assert ids(corpus.search("站台破损，")) == ["suggestion:4"]
    assert ids(corpus.search("，解放路公交")) == ["suggestion:4"]
    hit = corpus.search("，解放路公交").hits[0]
    assert "<mark>解放路公交</mark>" in hit.title_html
