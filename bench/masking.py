"""Masking: planted-corpus coverage, changes to real messages, and speed per 1 000 texts.

    .venv/bin/python bench/masking.py                       # reads ../shared/data/*.jsonl if present
    .venv/bin/python bench/masking.py --data DIR --rounds 20

Prints: the planted corpus size and the share masked (must be 100 %); every change masking made
to the real messages (title, body, reply), one line each, to be judged by eye (which are false
positives); the masking time per 1 000 real texts and per 1 000 plain titles, beside the time a
trivial `str.replace` takes on the same texts in the same run.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.services.privacy import mask_personal_data  # noqa: E402
from tests.privacy_corpus import corpus, leaked  # noqa: E402


def real_texts(data_dir: Path) -> list[tuple[str, str]]:
    texts = []
    for path in sorted(data_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for field in ("title", "body", "reply"):
                if row.get(field):
                    texts.append((f"{path.stem}:{row['id']}:{field}", row[field]))
    return texts


def changes(original: str, masked: str):
    matcher = difflib.SequenceMatcher(None, original, masked, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "equal":
            yield original[max(0, a1 - 10):a2 + 4], masked[b1:b2]


def per_thousand(function, texts: list[str], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            function(text)
    return (time.perf_counter() - started) / (rounds * len(texts)) * 1000 * 1000  # ms per 1 000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    planted = corpus()
    masked = sum(not leaked(p, mask_personal_data(text)) for p, text in planted)
    print(f"planted corpus: {len(planted)} texts ({len({p.value for p, _ in planted})} values), "
          f"masked {masked}/{len(planted)} = {masked / len(planted):.1%}")

    texts = real_texts(args.data) if args.data.is_dir() else []
    changed = 0
    for where, text in texts:
        result = mask_personal_data(text)
        if result != text:
            changed += 1
            for before, after in changes(text, result):
                print(f"  {where}: {before!r} -> {after!r}")
    print(f"real texts: {len(texts)}, changed by masking: {changed}")

    if texts:
        bodies = [text for _, text in texts]
        titles = [text for where, text in texts if where.endswith(":title")]
        baseline = per_thousand(lambda t: t.replace("\x00", ""), bodies, args.rounds)
        print(f"mask 1 000 real texts (avg {sum(map(len, bodies)) // len(bodies)} chars): "
              f"{per_thousand(mask_personal_data, bodies, args.rounds):.1f} ms  (str.replace: {baseline:.2f} ms)")
        print(f"mask 1 000 titles: {per_thousand(mask_personal_data, titles, args.rounds * 5):.1f} ms")


if __name__ == "__main__":
    main()
