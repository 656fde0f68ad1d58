"""Benchmark the PostgreSQL search backend with search_bench.py's documents and queries.

    python bench/search_pg_bench.py --n 10000 --database-url postgresql://postgres@127.0.0.1/bench
    python bench/search_pg_bench.py --n 100000 --procs 2

Builds the documents into a table of its own (``bench_search_documents``, replaced on each run)
and times the same 30 queries as the Whoosh benchmark, then similar suggestions for drafts.
Record the machine's load (``uptime``) beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import MetaData, create_engine, text  # noqa: E402

from bench.search_bench import generate_docs, print_search, time_queries  # noqa: E402
from search_index import warm_up  # noqa: E402
from search_index.pgstore import PostgresSearchIndex, define_table  # noqa: E402

DRAFTS = ["公积金提取手续太麻烦，希望少跑几趟窗口", "小区物业不作为，停车位被占，晚上噪音扰民",
          "孩子上幼儿园太难，学位不足，希望新建幼儿园", "公交线路太少，早晚高峰等车要半小时"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                "postgresql://postgres@127.0.0.1:5432/test_multihost"))
    parser.add_argument("--data", type=Path, default=REPO_ROOT / ".." / "shared" / "data")
    parser.add_argument("--keep", action="store_true", help="search the table built by a previous run")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    metadata = MetaData()
    table = define_table(metadata, "bench_search_documents")
    index = PostgresSearchIndex(engine, table)
    warm_up()
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if not args.keep:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        docs = generate_docs(args.n, args.data)
        start = time.perf_counter()
        count = index.rebuild(docs, procs=args.procs)
        elapsed = time.perf_counter() - start
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {table.name}"))
        print(f"built {count} documents in {elapsed:.0f}s ({count / elapsed:.0f} docs/s, procs={args.procs})")
    with engine.connect() as connection:
        size = connection.scalar(text(f"SELECT pg_total_relation_size('{table.name}')"))
    print(f"table with indexes: {size / 2**20:.0f} MB")
    print_search(time_queries(index, args.rounds))
    similar: list[float] = []
    for _ in range(args.rounds):
        for draft in DRAFTS:
            t0 = time.perf_counter()
            index.similar(draft, limit=5)
            similar.append((time.perf_counter() - t0) * 1000)
    similar.sort()
    print(f"{'similar suggestions p50 / p95':34} {statistics.median(similar):10.1f} / "
          f"{similar[int(len(similar) * 0.95) - 1]:.1f} ms  ({len(DRAFTS)} drafts x {args.rounds} rounds)")
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    engine.dispose()


if __name__ == "__main__":
    main()
