"""Known-item search: does a remembered fragment of a title find that suggestion on the first page?

    python bench/known_item_bench.py --n 10000
    python bench/known_item_bench.py --n 100000 --targets 300

Documents are generated as bench/search_bench.py does (from the shared real messages). A seeded
sample of target documents is drawn; for each, four queries are made from its title, after a
leading place code such as ``A市A2区`` or ``L5县``:

- ``prefix12``: its first 12 characters;
- ``middle8``: 8 characters from a random start inside the title (not its first character);
- ``frag4``: 4 characters from a random start;

and each again in Traditional script (OpenCC s2t), ``…-hant``. Generated documents reuse the
titles of 347 messages, so several documents share a title: a query counts as answered at rank
r when the r-th hit is the target or another document whose title holds the query's characters
(what the searcher typed cannot tell them apart). The rank of the target document itself is
reported too, and recall@10 with punctuation left out of both sides of that check: search ignores
punctuation, so ``慢，`` finds a title ending in ``慢`` as readily as one going on after a comma. Results: recall@10 and MRR@10 per kind, printed and written to
bench/results/known-item-<n>.json (gitignored). Nothing here is tuned to particular rows: the
sample depends only on the seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from opencc import OpenCC  # noqa: E402

from search_bench import generate_docs  # noqa: E402
from search_index import SearchIndex, warm_up  # noqa: E402
from search_index.analysis import fold_chars  # noqa: E402

PLACE_CODE = re.compile(r"^(?:[A-Z][0-9]*[省市区县镇乡])+")
KINDS = ("prefix12", "middle8", "frag4")
PAGE = 10


def queries_for(title: str, rng: random.Random) -> dict[str, str]:
    """The fragments a resident might remember of ``title`` (place code removed)."""
    text = PLACE_CODE.sub("", title)
    found = {"prefix12": text[:12]}
    if len(text) >= 10:
        start = rng.randrange(1, len(text) - 8 + 1)
        found["middle8"] = text[start : start + 8]
    if len(text) >= 4:
        start = rng.randrange(0, len(text) - 4 + 1)
        found["frag4"] = text[start : start + 4]
    return found


_PUNCTUATION = re.compile(r"[^\w]+")


def _text_only(text: str) -> str:
    """Letters, digits and Han characters only: what the index sees of a title or a query."""
    return _PUNCTUATION.sub("", text)


def measure(index: SearchIndex, docs: list[dict[str, Any]], targets: list[int], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    to_traditional = OpenCC("s2t")
    folded_titles = {doc["doc_id"]: fold_chars(doc["title"]) for doc in docs}
    ranks: dict[str, list[int | None]] = defaultdict(list)
    # Search ignores punctuation (a fragment "慢，" is the word 慢): the same check on the text alone
    text_titles = {doc_id: _text_only(title) for doc_id, title in folded_titles.items()}
    text_ranks: dict[str, list[int | None]] = defaultdict(list)
    own_ranks: dict[str, list[int | None]] = defaultdict(list)
    zero_results: dict[str, int] = defaultdict(int)
    misses: dict[str, list[str]] = defaultdict(list)
    timings: list[float] = []
    for target in targets:
        doc = docs[target]
        for kind, query in queries_for(doc["title"], rng).items():
            for script, text in (("", query), ("-hant", to_traditional.convert(query))):
                label = kind + script
                started = time.perf_counter()
                results = index.search(text, per_page=PAGE)
                timings.append((time.perf_counter() - started) * 1000)
                wanted = fold_chars(query)
                hit_ids = [hit.doc_id for hit in results.hits]
                rank = next((i for i, doc_id in enumerate(hit_ids, 1)
                             if doc_id == doc["doc_id"] or wanted in folded_titles[doc_id]), None)
                ranks[label].append(rank)
                wanted_text = _text_only(wanted)
                text_ranks[label].append(next((i for i, doc_id in enumerate(hit_ids, 1)
                                               if doc_id == doc["doc_id"] or wanted_text in text_titles[doc_id]),
                                              None))
                own_ranks[label].append(hit_ids.index(doc["doc_id"]) + 1 if doc["doc_id"] in hit_ids else None)
                zero_results[label] += results.total == 0
                if rank is None and len(misses[label]) < 5:
                    misses[label].append(text)
    timings.sort()
    table = {}
    for label in sorted(ranks, key=lambda name: (KINDS.index(name.split("-")[0]), name)):
        found = ranks[label]
        table[label] = {
            "queries": len(found),
            "recall_at_10": sum(r is not None for r in found) / len(found),
            "mrr_at_10": sum(1 / r for r in found if r) / len(found),
            "recall_at_10_text_only": sum(r is not None for r in text_ranks[label]) / len(found),
            "target_itself_at_10": sum(r is not None for r in own_ranks[label]) / len(found),
            "zero_results": zero_results[label],
            "some_misses": misses[label],
        }
    return {"kinds": table, "latency_p50_ms": timings[len(timings) // 2],
            "latency_p95_ms": timings[int(len(timings) * 0.95) - 1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--targets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--data", type=Path, default=REPO_ROOT / ".." / "shared" / "data")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--index", type=Path, default=None,
                        help="an index of the same --n already built (bench/search_bench.py --keep DIR)")
    args = parser.parse_args()

    warm_up()
    docs = generate_docs(args.n, args.data)
    targets = random.Random(args.seed).sample(range(len(docs)), min(args.targets, len(docs)))
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        base = args.index or Path(tmp) / "index"
        index = SearchIndex(base)
        if args.index is None:
            index.rebuild(iter(docs), procs=args.procs)
        report = measure(index, docs, targets, args.seed)
        index.close()
    report.update({"n": args.n, "targets": len(targets), "seed": args.seed,
                   "at": datetime.now().isoformat(timespec="seconds"), "load_average_at_end": os.getloadavg()})
    print(f"\nknown-item search, N={args.n:,} docs, {len(targets)} targets, seed {args.seed}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'query':14} {'queries':>7} {'recall@10':>9} {'MRR@10':>7} {'target@10':>9} {'0 results':>9} "
          f"{'recall@10 without punctuation':>30}")
    for label, row in report["kinds"].items():
        print(f"{label:14} {row['queries']:>7} {row['recall_at_10']:>9.3f} {row['mrr_at_10']:>7.3f} "
              f"{row['target_itself_at_10']:>9.3f} {row['zero_results']:>9} {row['recall_at_10_text_only']:>30.3f}")
    print(f"latency p50 / p95: {report['latency_p50_ms']:.1f} / {report['latency_p95_ms']:.1f} ms")
    out_dir = REPO_ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"known-item-{args.n}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
