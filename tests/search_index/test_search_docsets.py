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
