"""Our fast matched-set evaluation agrees with Whoosh's own, deletions included."""

from __future__ import annotations

import pytest

from search_index import SearchIndex
from search_index.query import filter_query, parse_user_query

QUERIES = ["公积金", "公积金 提取", "公积金 OR 停车", "公积金 NOT 贷款", "NOT 公积金", '"拖欠工资"',
           "拖欠 OR (停车 NOT 物业)", "不存在的词"]


@pytest.fixture
def multi_segment(index: SearchIndex, suggestion) -> SearchIndex:
    texts = ["住房公积金提取", "公积金贷款", "拖欠工资", "停车难", "物业停车", "公积金提取停车"]
    for n, text in enumerate(texts):  # one commit each: several segments
        index.apply([("upsert", suggestion(n, text, district="a1" if n % 2 else "a2"))])
    index.apply([("delete", "suggestion:0"), ("upsert", suggestion(5, "公积金提取和停车"))])
    return index


@pytest.mark.parametrize("text", QUERIES)
def test_doc_sets_match_whoosh(multi_segment: SearchIndex, text: str) -> None:
    q, _ = parse_user_query(text)
    for query in (q, q & filter_query({"district": "a1"}, None)):
        with multi_segment._leased() as lease:
            ours = set(lease.docsets.of(query))
            theirs = set(lease.searcher.docs_for_query(query))
        assert ours == theirs


def test_facet_counts_are_the_same_for_few_and_for_many_matches(index: SearchIndex, suggestion) -> None:
    # Few matches are counted value by value, many through bit masks: both must agree with a plain count.
    docs = [suggestion(n, f"建议{n}", district=f"d{n % 3}", decision=None if n % 4 else "adopted",
                       conversion_types=["regulation"] if n % 5 == 0 else None) for n in range(1, 41)]
    index.rebuild(docs)
    index.apply([("delete", "suggestion:7")])
    with index._leased() as lease:
        columns = lease.columns
        every = lease.docsets.every()
        few = set(sorted(every)[:2])
        for matched in (few, every):
            stored = [lease.searcher.stored_fields(d) for d in matched]
            counts = columns.facet_counts(matched)
            for field in ("district", "decision", "conversion_types"):
                expected: dict[str, int] = {}
                for fields in stored:
                    for value in filter(None, str(fields.get(field) or "").split(",")):
                        expected[value] = expected.get(value, 0) + 1
                assert dict(counts[field]) == expected, (field, len(matched))
    assert len(every) == 39


@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_sorted_pages_are_the_same_for_few_and_for_many_matches(index: SearchIndex, suggestion, sort: str) -> None:
    # Day 1 + n % 28 of January and n % 7 supports: many ties, broken by index order (= n here).
    # Number 81 has no date and number 82 no support count: they come after all the others.
    docs = [suggestion(n, f"建议{n}", support_count=n % 7) for n in range(1, 81)]
    docs += [suggestion(81, "建议81", published_at=None, support_count=3), suggestion(82, "建议82", support_count=None)]
    index.rebuild(docs)

    def expected(numbers: list[int]) -> list[int]:
        def key(n: int) -> tuple[int, int, int]:
            day = -1 if n == 81 else 1 + n % 28
            support = -1 if n == 82 else 3 if n == 81 else n % 7
            return (support if sort == "supported" else 0), day, -n
        return sorted(numbers, key=key, reverse=True)[:10]

    with index._leased() as lease:
        every = lease.docsets.every()
        few = set(sorted(every)[::20])  # 5 of 82
        for matched in (few, every):
            numbers = [lease.searcher.stored_fields(d)["object_id"] for d in matched]
            top = [lease.searcher.stored_fields(d)["object_id"] for d in lease.columns.top(matched, sort, 10)]
            assert top == expected(numbers)
    assert expected(list(range(1, 83)))[:3] == ([27, 55, 20] if sort == "supported" else [27, 55, 26])


def test_a_phrase_stays_cached_while_common_words_come_and_go(index: SearchIndex, suggestion,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Whoosh checks a phrase's positions slowly; the big sets of common words searched in between
    # (each cheap to rebuild from its postings) must not push the phrase's set out.
    monkeypatch.setenv("SEARCH_CACHE_MB", "1")  # term sets 200 kB, phrase sets 50 kB
    words = ["停车", "物业", "小区", "电梯", "学校", "医院", "公交", "地铁", "道路", "公园", "垃圾", "噪音"]
    index.rebuild([suggestion(n, f"建议{n}：占道经营", "，".join(words) + f"。第{n}号") for n in range(1, 601)])
    phrase, _ = parse_user_query('"占道经营"')
    with index._leased() as lease:
        whoosh_checks = []
        checked = lease.searcher.docs_for_query
        monkeypatch.setattr(lease.searcher, "docs_for_query", lambda q: whoosh_checks.append(q) or checked(q))
        assert len(lease.docsets.of(phrase)) == 600
        checked_once = len(whoosh_checks)  # the phrase in each field it is searched in
        for word in words * 2:
            assert len(lease.docsets.of(parse_user_query(word)[0])) == 600
        assert len(lease.docsets.of(phrase)) == 600
    assert checked_once >= 1 and len(whoosh_checks) == checked_once
