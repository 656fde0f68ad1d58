"""Benchmark search_index: analyzer throughput, build throughput, search latency.

    python bench/search_bench.py --n 10000
    python bench/search_bench.py --n 100000 --procs 1 2

Documents are generated deterministically from the shared real messages (sentences of
several messages recombined, so no two documents are identical). Results are printed as a
table and written to bench/results/search-<n>.json (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from search_index import SearchIndex, warm_up  # noqa: E402
from search_index.schema import SCORED_FIELDS, build_schema, prepare_document  # noqa: E402

DEPARTMENTS = {
    "城乡建设": "housing", "环境保护": "ecology", "交通运输": "transport", "教育文体": "education",
    "劳动和社会保障": "hr-social-security", "商贸旅游": "commerce", "卫生计生": "health",
}
DISTRICTS = [f"a{n}" for n in range(1, 10)] + [f"b{n}" for n in range(1, 6)]
STATUSES = ["received", "accepted", "dispatched", "replied", "closed"]
DECISIONS = ["adopted", "partly-adopted", "for-reference", "not-adopted"]
CONVERSIONS = ["welfare-measure", "agency-work", "regulation", "npc-oversight", "deputy-motion", "gov-decision"]

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("公积金", {}), ("住房公积金提取", {}), ("公積金", {}), ("拖欠工资", {}), ('"拖欠工资"', {}),
    ("物业", {}), ("小区物业管理", {}), ("停车", {"sort": "newest"}), ("噪音扰民", {}),
    ("社保", {"filters": {"department": "hr-social-security"}}), ("學校", {}), ("幼儿园", {}),
    ("交通 拥堵", {}), ('"占道经营"', {}), ("医院 看病难", {}), ("环境污染", {"sort": "supported"}),
    ("旅游", {"filters": {"district": ["a1", "a2"]}}), ("垃圾分类", {}), ("教師 工資", {}),
    ("出租车", {"page": 2}), ("学区房", {}), ("噪音 OR 污染", {}), ("电梯 NOT 加装", {}),
    ("", {"filters": {"status": "replied"}}), ("", {"sort": "supported"}),
    ("问题", {}), ("建议", {"filters": {"year": "2019"}}), ("棚改 拆迁 补偿", {}),
    ("医保报销", {"kinds": ["suggestion"]}), ("parking", {}),
]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?])", text) if s.strip()]


def generate_docs(n: int, data_dir: Path, seed: int = 20240801) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    messages = load_jsonl(data_dir / "messages.jsonl")
    replies = [r["reply"] for r in load_jsonl(data_dir / "replies.jsonl") if r.get("reply")]
    pools = [sentences(m["body"]) or [m["body"]] for m in messages]
    docs = []
    for i in range(n):
        base = rng.randrange(len(messages))
        m = messages[base]
        other = messages[rng.randrange(len(messages))]
        body_parts = list(pools[base])
        for _ in range(rng.randint(0, 3)):  # borrow sentences from other messages
            body_parts.insert(rng.randint(0, len(body_parts)), rng.choice(pools[rng.randrange(len(pools))]))
        title = m["title"] if rng.random() < 0.6 else f"{m['title']}，{other['title'][:12]}"
        published = datetime.strptime(m["time"], "%Y/%m/%d %H:%M:%S") + timedelta(minutes=rng.randint(0, 10**6))
        decided = rng.random() < 0.5
        doc = {
            "doc_id": f"suggestion:{i + 1}",
            "kind": "suggestion",
            "object_id": i + 1,
            "url_path": f"/suggestions/{i + 1}",
            "title": title,
            "body": "".join(body_parts),
            "reply": rng.choice(replies) if decided and replies else None,
            "status": rng.choice(STATUSES),
            "decision": rng.choice(DECISIONS) if decided else None,
            "department": DEPARTMENTS[m["category"]],
            "category": DEPARTMENTS[m["category"]],
            "district": rng.choice(DISTRICTS),
            "conversion_types": rng.sample(CONVERSIONS, rng.randint(1, 2)) if decided and rng.random() < 0.3 else None,
            "year": published.year,
            "published_at": published,
            "support_count": int(rng.expovariate(1 / 20)),
            "author_display": "张**",
            "fingerprint": f"{i}-{seed}",
        }
        docs.append(doc)
    return docs


def bench_analyzer(docs: list[dict[str, Any]]) -> dict[str, float]:
    """Every analyzer of the schema over every document, as indexing runs them (words and grams)."""
    schema = build_schema()
    analyzed = [(name, schema[name].analyzer, schema[name].format.supports("positions"))
                for name in SCORED_FIELDS]
    chars = 0
    start = time.perf_counter()
    for doc in docs:
        fields = prepare_document(doc)
        for name, analyzer, positions in analyzed:
            text = fields.get(name)
            if isinstance(text, str):
                chars += len(text)
                for _ in analyzer(text, positions=positions, mode="index"):
                    pass
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "docs_per_s": len(docs) / seconds, "chars_per_s": chars / seconds, "chars": chars}


def bench_build(docs: list[dict[str, Any]], base: Path, procs: int, limitmb: int) -> dict[str, float]:
    index = SearchIndex(base)
    start = time.perf_counter()
    count = index.rebuild(iter(docs), procs=procs, limitmb=limitmb)
    seconds = time.perf_counter() - start
    index.close()
    return {"procs": procs, "seconds": seconds, "docs_per_s": count / seconds}


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_search(base: Path, rounds: int) -> dict[str, Any]:
    return time_queries(SearchIndex(base), rounds)


def time_queries(index: Any, rounds: int) -> dict[str, Any]:
    """QUERIES x rounds on any index with SearchIndex's interface (Whoosh or PostgreSQL); closes it."""
    rss_before = rss_mb()
    start = time.perf_counter()
    index.search("公积金")  # opens the searcher and reads facet columns once per generation
    first = time.perf_counter() - start
    timings: list[float] = []
    first_round: list[float] = []  # every word new to the searcher's caches, as after an index update
    per_query: dict[str, float] = {}
    totals: dict[str, int] = {}
    for round_number in range(rounds):
        for q, options in QUERIES:
            t0 = time.perf_counter()
            results = index.search(q, **options)
            elapsed = (time.perf_counter() - t0) * 1000
            timings.append(elapsed)
            if round_number == 0:
                first_round.append(elapsed)
            label = f"{q} {options}" if options else q
            per_query[label] = max(per_query.get(label, 0.0), elapsed)
            totals[label] = results.total
    rss_after = rss_mb()
    index.close()
    timings.sort()
    first_round.sort()
    return {
        "worker_rss_mb_before": rss_before,
        "worker_rss_mb_after": rss_after,
        "first_round_p50_ms": statistics.median(first_round),
        "first_round_p95_ms": first_round[int(len(first_round) * 0.95) - 1],
        "queries": len(QUERIES),
        "rounds": rounds,
        "first_search_ms": first * 1000,
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "max_ms": timings[-1],
        "slowest": sorted(per_query.items(), key=lambda kv: -kv[1])[:5],
        "totals": totals,
    }


def print_search(search: dict[str, Any]) -> None:
    print(f"{'first search (open + columns)':34} {search['first_search_ms']:10.1f} ms")
    print(f"{'search latency p50 / p95 / max':34} {search['p50_ms']:10.1f} / {search['p95_ms']:.1f} / "
          f"{search['max_ms']:.1f} ms  ({search['queries']} queries x {search['rounds']} rounds)")
    print(f"{'  first round only (cold caches)':34} {search['first_round_p50_ms']:10.1f} / "
          f"{search['first_round_p95_ms']:.1f} ms")
    print(f"{'worker memory (RSS) before / after':34} {search['worker_rss_mb_before']:10.0f} / "
          f"{search['worker_rss_mb_after']:.0f} MB  (a fresh process: jieba loaded, then all searches)")
    print("slowest:", ", ".join(f"{q!r} {ms:.0f} ms" for q, ms in search["slowest"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limitmb", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=REPO_ROOT / ".." / "shared" / "data")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build into this folder and keep it, for later --search-only runs")
    parser.add_argument("--search-only", type=Path, default=None, metavar="DIR",
                        help="skip generation and building; measure searches on an index kept with --keep")
    parser.add_argument("--json-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    warm_up()
    if args.search_only:
        search = bench_search(args.search_only, args.rounds)
        if args.json_out:
            args.json_out.write_text(json.dumps(search, ensure_ascii=False, default=str), encoding="utf-8")
            return
        print(f"\nsearch_index benchmark, searches only on {args.search_only}, {os.cpu_count()} CPUs")
        print_search(search)
        return
    docs = generate_docs(args.n, args.data)
    analyzer = bench_analyzer(docs)
    builds = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        base = args.keep or Path(tmp) / "index"
        for procs in args.procs:  # each rebuild makes a new generation; the last one is searched
            build = bench_build(docs, base, procs, args.limitmb)
            build["ratio_to_analyzer"] = build["docs_per_s"] / analyzer["docs_per_s"]
            builds.append(build)
        current = (base / "CURRENT").read_text().strip()
        size_mb = sum(f.stat().st_size for f in (base / current).rglob("*")) / 2**20
        del docs  # searches run in a fresh process, so its memory is a worker's, not the builder's
        out_json = Path(tmp) / "search.json"
        subprocess.run([sys.executable, __file__, "--search-only", str(base), "--rounds", str(args.rounds),
                        "--json-out", str(out_json)], check=True)
        search = json.loads(out_json.read_text(encoding="utf-8"))

    report = {
        "n": args.n, "cpus": os.cpu_count(), "python": sys.version.split()[0],
        "analyzer": analyzer, "builds": builds, "index_mb": size_mb, "search": search,
        "at": datetime.now().isoformat(timespec="seconds"), "load_average_at_end": os.getloadavg(),
    }
    print(f"\nsearch_index benchmark, N={args.n:,} docs, {os.cpu_count()} CPUs, "
          f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'analyzer alone':34} {analyzer['docs_per_s']:10,.0f} docs/s {analyzer['chars_per_s']:12,.0f} chars/s")
    for b in builds:
        print(f"{'rebuild procs=' + str(b['procs']):34} {b['docs_per_s']:10,.0f} docs/s   "
              f"ratio build/analyzer {b['ratio_to_analyzer']:.2f}   ({b['seconds']:.1f} s)")
    print(f"{'index size':34} {size_mb:10,.1f} MB")
    print_search(search)
    out_dir = REPO_ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"search-{args.n}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"written {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
