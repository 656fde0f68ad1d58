"""Our ranking (search_index.ranking) gives Whoosh's own BM25F scores, much faster."""

from __future__ import annotations

import pytest

from search_index import SearchIndex
from search_index.query import parse_user_query

TITLES_AND_BODIES = [
    ("小区物业乱收停车费", "物业公司擅自提高停车费，业主多次反映无果。"),
    ("建议规范物业管理", "物业服务质量差，电梯经常停运，物业费却年年涨。物业应公开收支。"),
    ("公交线路太少", "建议增加公交线路，方便居民出行。"),
    ("关于停车难的建议", "老旧小区停车难，建议利用闲置空地建设停车场。"),
    ("住房公积金提取", "住房公积金提取手续繁琐，建议简化流程。"),
    ("物业", "短"),
    ("学校周边交通拥堵", "上下学时段学校周边交通拥堵严重，建议错峰放学并增设停车位。"),
    ("噪音扰民", "夜间施工噪音扰民，建议加强监管。"),
]


@pytest.fixture
def built(index: SearchIndex, suggestion) -> SearchIndex:
    docs = [suggestion(n, title, body) for n, (title, body) in enumerate(TITLES_AND_BODIES, start=1)]
    # a second segment with deletions, as after live updates
    index.rebuild(docs[:5])
    index.apply([("upsert", d) for d in docs[5:]] + [("upsert", suggestion(2, TITLES_AND_BODIES[1][0], "物业。"))])
    return index


@pytest.mark.parametrize("words, whoosh_extra", [
    ("物业", 0), ("停车", 0), ("物业 停车", 0), ("停车 OR 噪音", 0), ("建议", 0), ("公積金", 0),
    ("物业 NOT 电梯", 1.0),  # Whoosh adds 1 to every document for passing the NOT: same order
])
def test_scores_and_order_equal_whooshs_bm25f(built: SearchIndex, words: str, whoosh_extra: float) -> None:
    q = parse_user_query(words)[0]
    with built._leased() as lease:
        theirs = [(hit.docnum, hit.score) for hit in lease.searcher.search(q, limit=None)]
        matched = lease.docsets.of(q)
        ours = lease.ranker.top(q, matched, len(matched))
    assert theirs, "the query should match something"
    assert sorted(d for d, _ in ours) == sorted(d for d, _ in theirs)
    assert {d: s + whoosh_extra for d, s in ours} == pytest.approx(dict(theirs), rel=1e-9)
    assert [score for _, score in ours] == sorted((score for _, score in ours), reverse=True)


def test_title_match_ranks_above_body_only_match(built: SearchIndex) -> None:
    hits = built.search("公交").hits + built.search("停车").hits
    assert hits[0].title == "公交线路太少"
    parking = [h.title for h in built.search("停车").hits]
    assert parking.index("关于停车难的建议") < parking.index("学校周边交通拥堵")  # title vs body only


def test_equal_scores_come_in_a_stable_order(built: SearchIndex) -> None:
    first = [h.doc_id for h in built.search("建议").hits]
    assert first == [h.doc_id for h in built.search("建议").hits]
    with built._leased() as lease:
        q = parse_user_query("建议")[0]
        ranked = lease.ranker.top(q, lease.docsets.of(q), 50)
    for (d1, s1), (d2, s2) in zip(ranked, ranked[1:]):
        assert s1 > s2 or (s1 == s2 and d1 < d2)


def test_similar_ranking_equals_whooshs_or_of_boosted_terms(built: SearchIndex) -> None:
    from whoosh import query as wq

    from search_index.similar import key_terms

    draft = "我们小区物业乱收停车费，物业服务也很差，建议规范停车管理"
    with built._leased() as lease:
        terms = key_terms(lease.searcher, draft)
        assert len(terms) >= 3
        whoosh_query = wq.Or([wq.Term(f, t, boost=w) for t, w in terms for f in ("title", "body")])
        theirs = [(h.docnum, h.score) for h in lease.searcher.search(whoosh_query, limit=None)]
        everything = lease.docsets.every()
        ours = lease.ranker.weighted_top(terms, ("title", "body"), everything, len(everything))
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)
