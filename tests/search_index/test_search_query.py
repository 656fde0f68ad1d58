"""Searching as a resident would: words, scripts, phrases, filters, sorting, bad input."""

from __future__ import annotations

from datetime import datetime

import pytest

from search_index import SearchIndex

EVERY_BACKEND = True  # Whoosh, and PostgreSQL when the test database is PostgreSQL (see conftest)


@pytest.fixture
def corpus(index: SearchIndex, suggestion, hearing) -> SearchIndex:
    index.rebuild(
        [
            suggestion(1, "住房公积金提取太难", "希望简化住房公积金提取流程。", department="housing",
                       category="housing", district="a2", decision="adopted",
                       conversion_types=["welfare-measure", "agency-work"], support_count=5,
                       published_at=datetime(2023, 5, 1), year=2023),
            suggestion(2, "工地拖欠工资", "某建筑公司拖欠工资三个月，工人讨薪无门。", department="hr",
                       category="labour", district="a1", support_count=40),
            suggestion(3, "小区停车难", "公司拖欠了物业费用，小区里面也经常找不到停车位，工资也低。",
                       department="transport", category="traffic", district="a1", support_count=1),
            suggestion(4, "Parks need more parking", "The park is full every weekend.",
                       department="transport", category="traffic", district="a2"),
            suggestion(5, "关于公積金貸款的建議", "公積金貸款額度太低。", department="housing",
                       category="housing", district="a2", decision="adopted",
                       conversion_types="welfare-measure"),
            hearing(7, "有礼租听证会", place="市民中心三楼", conclusion="同意推出短租房源 50 套"),
        ]
    )
    return index


def ids(results) -> list[str]:
    return [hit.doc_id for hit in results.hits]


def test_a_word_finds_the_compound_that_contains_it(corpus: SearchIndex) -> None:
    assert set(ids(corpus.search("公积金"))) == {"suggestion:1", "suggestion:5"}


@pytest.mark.parametrize("query", ["公積金貸款", "公积金贷款"])
def test_traditional_and_simplified_queries_find_either_script(corpus: SearchIndex, query: str) -> None:
    assert ids(corpus.search(query)) == ["suggestion:5"]


def test_simplified_document_found_by_traditional_query(corpus: SearchIndex) -> None:
    assert "suggestion:1" in ids(corpus.search("住房公積金"))


def test_quoted_phrase_needs_the_words_together(corpus: SearchIndex) -> None:
    # doc 3 has 拖欠 and 工资 far apart; only doc 2 has the phrase
    assert ids(corpus.search('"拖欠工资"')) == ["suggestion:2"]
    assert ids(corpus.search("“拖欠 工资”")) == ["suggestion:2"]  # full-width quotes, spaced words
    assert set(ids(corpus.search("拖欠 工资"))) == {"suggestion:2", "suggestion:3"}


def test_unspaced_words_may_sit_in_different_fields(corpus: SearchIndex) -> None:
    # 停车 is in doc 3's title, 物业 only in its body
    assert ids(corpus.search("停车物业")) == ["suggestion:3"]


def test_english_is_stemmed(corpus: SearchIndex) -> None:
    assert ids(corpus.search("parked")) == ["suggestion:4"]


def test_title_match_ranks_above_body_match(index: SearchIndex, suggestion) -> None:
    index.rebuild(
        [
            suggestion(1, "关于道路维修", "小区门口的路灯坏了，晚上很黑，希望尽快维修路灯。"),
            suggestion(2, "路灯坏了", "小区门口的道路坑洼，希望维修。"),
        ]
    )
    assert ids(index.search("路灯")) == ["suggestion:2", "suggestion:1"]


def test_hearings_are_found_by_place_and_conclusion(corpus: SearchIndex) -> None:
    results = corpus.search("市民中心")
    assert ids(results) == ["hearing:7"]
    assert "<mark>租房</mark>" in corpus.search("租房").hits[0].snippet_html


def test_facets_count_the_whole_result_not_the_page(corpus: SearchIndex) -> None:
    results = corpus.search("", per_page=1)
    assert results.total == 6 and len(results.hits) == 1
    assert dict(results.facets["kind"]) == {"suggestion": 5, "hearing": 1}
    assert dict(results.facets["district"]) == {"a2": 3, "a1": 2}
    assert dict(results.facets["conversion_types"]) == {"welfare-measure": 2, "agency-work": 1}
    assert dict(results.facets["year"]) == {"2024": 5, "2023": 1}


def test_filters_narrow_results_and_their_facets(corpus: SearchIndex) -> None:
    results = corpus.search("公积金", filters={"decision": "adopted", "year": 2023})
    assert ids(results) == ["suggestion:1"]
    assert dict(results.facets["year"]) == {"2023": 1}
    either = corpus.search("", filters={"district": ["a1", "a2"], "conversion_types": "welfare-measure"})
    assert set(ids(either)) == {"suggestion:1", "suggestion:5"}
    assert ids(corpus.search("", kinds=["hearing"])) == ["hearing:7"]


def test_unknown_filter_names_are_ignored(corpus: SearchIndex) -> None:
    assert corpus.search("公积金", filters={"author_phone": "138"}).total == 2


def test_sorting_newest_and_most_supported(corpus: SearchIndex) -> None:
    newest = ids(corpus.search("", sort="newest"))
    assert newest[0] == "hearing:7" and newest[-1] == "suggestion:1"
    assert ids(corpus.search("", sort="supported"))[:2] == ["suggestion:2", "suggestion:1"]


def test_pagination(corpus: SearchIndex) -> None:
    pages = [corpus.search("", sort="newest", page=p, per_page=4) for p in (1, 2, 3)]
    assert [r.pages for r in pages] == [2, 2, 2]
    assert [len(r.hits) for r in pages] == [4, 2, 0]
    assert len(set(ids(pages[0]) + ids(pages[1]))) == 6


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("，。！", "empty"),
        ('"拖欠工资', "syntax"),
        ("AND OR (", "syntax"),
        ("公积金 AND", "syntax"),
        ("(公积金", "syntax"),
        ("*", "empty"),
        ("status:adopted", None),
        ("title:", None),
        ("公积金" * 100, "too_long"),
        ("\x00<script>alert(1)</script>", None),
    ],
)
def test_odd_queries_never_raise(corpus: SearchIndex, query: str, key: str | None) -> None:
    results = corpus.search(query)
    assert results.available
    assert results.error_message_key == key


def test_malformed_query_falls_back_to_the_words(corpus: SearchIndex) -> None:
    assert ids(corpus.search('"拖欠工资')) != []
    assert set(ids(corpus.search("公积金 AND OR ("))) == {"suggestion:1", "suggestion:5"}


def test_operators_work_when_well_formed(corpus: SearchIndex) -> None:
    assert set(ids(corpus.search("停车 OR 贷款"))) == {"suggestion:3", "suggestion:5"}
    assert ids(corpus.search("公积金 NOT 贷款")) == ["suggestion:1"]


def test_highlighting_marks_matches_and_escapes_html(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(1, "<b>公积金</b> & 房租", "正文 <script>alert('x')</script> 公积金。")])
    hit = index.search("公积金").hits[0]
    assert hit.title_html == "&lt;b&gt;<mark>公积金</mark>&lt;/b&gt; &amp; 房租"
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "<mark>公积金</mark>" in hit.snippet_html


def test_long_bodies_give_a_short_snippet_around_the_match(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(1, "标题", "无关内容。" * 100 + "拖欠工资问题" + "其他内容。" * 100)])
    snippet = index.search("拖欠工资").hits[0].snippet_html
    assert "<mark>拖欠工资</mark>" in snippet and snippet.startswith("…") and len(snippet) < 200


def test_hit_carries_the_stored_public_fields(corpus: SearchIndex) -> None:
    hit = corpus.search("公积金提取").hits[0]
    assert (hit.doc_id, hit.kind, hit.object_id, hit.url_path) == ("suggestion:1", "suggestion", 1, "/suggestions/1")
    assert hit.fields["conversion_types"] == ["welfare-measure", "agency-work"]
    assert hit.fields["published_at"] == datetime(2023, 5, 1)
    assert "body" not in hit.fields
