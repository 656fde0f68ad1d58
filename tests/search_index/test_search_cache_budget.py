"""The search caches are bounded by bytes: however many different words are searched, a worker
keeps at most its budget, and searches give the same answers with a tiny budget as with none."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np

from search_index.lru import ByteBoundedLRU, array_bytes


def test_the_oldest_values_go_first_and_the_budget_holds() -> None:
    cache: ByteBoundedLRU[np.ndarray] = ByteBoundedLRU(4096, array_bytes)
    for n in range(20):
        cache.put(("word", n), np.arange(1000 + n, 1100 + n))  # 800 bytes of numbers and a header
        cache.get(("word", 0))  # the first word is used all the time: it stays
    assert cache.bytes <= 4096
    assert cache.get(("word", 0)).tolist() == list(range(1000, 1100))
    assert cache.get(("word", 1)) is None  # unused, old: dropped
    assert cache.get(("word", 19)) is not None


def test_a_value_larger_than_the_budget_is_used_but_not_kept() -> None:
    cache: ByteBoundedLRU[np.ndarray] = ByteBoundedLRU(1024, array_bytes)
    huge = np.arange(100_000, 101_000)
    assert cache.get_or_compute("common word", lambda: huge) is huge
    assert len(cache) == 0 and cache.bytes == 0


def test_a_worker_searching_thousands_of_words_keeps_its_budget(tmp_path) -> None:
    # In a fresh process whose budget is 1 MB (SEARCH_CACHE_MB=1): 600 documents, 900 different
    # words and fragments searched; each cache ends within its share, and the answers equal
    # those of an index searched with the default budget.
    script = textwrap.dedent(f"""
        import json, sys
        from search_index import SearchIndex
        index = SearchIndex({str(tmp_path / "ix")!r})
        places = ["北门", "南湖", "西溪", "东港", "中山", "解放", "人民", "新华", "光明", "和平"]
        index.rebuild({{"doc_id": f"suggestion:{{n}}", "kind": "suggestion", "object_id": n,
                        "title": f"{{places[n % 10]}}路{{n}}号小区停车难问题{{n * 7919 % 1000}}",
                        "body": f"第{{n}}号楼居民反映夜间停车位不足，建议{{n % 13}}号地块改建停车场"}}
                       for n in range(1, 601))
        answers = []
        for n in range(900):
            words = f"{{places[n % 10]}}路{{n % 600}}号" if n % 3 else f"{{n * 7919 % 1000}}"
            result = index.search(words, page=1, per_page=5)
            answers.append([hit.object_id for hit in result.hits])
        with index._leased() as lease:
            sizes = {{"phrases": lease.docsets._query_sets.bytes, "scores": lease.ranker._maps.bytes}}
        sizes["postings"] = sum(c.postings._cache.bytes for c in index._segment_caches.values())
        print(json.dumps({{"answers": answers, "sizes": sizes}}))
    """)
    import json
    import os

    def run(budget_mb: str) -> dict:
        env = {**os.environ, "SEARCH_CACHE_MB": budget_mb}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    tiny, default = run("1"), run("")
    assert tiny["answers"] == default["answers"]
    assert any(default["answers"])
    assert tiny["sizes"]["phrases"] <= 100 * 1024  # a tenth of 1 MB
    assert tiny["sizes"]["scores"] <= 256 * 1024  # a quarter
    assert tiny["sizes"]["postings"] <= 512 * 1024  # half
    assert default["sizes"]["scores"] > 256 * 1024  # the default budget keeps more: the tiny one really dropped
