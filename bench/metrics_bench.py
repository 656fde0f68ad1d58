"""Time `compute_metrics` over N generated suggestions in a temporary SQLite database.

    /work/main/.venv/bin/python bench/metrics_bench.py            # 100 000 suggestions
    /work/main/.venv/bin/python bench/metrics_bench.py -n 20000 --database-url postgresql://...

Rows are bulk-inserted with plausible shares: 10 % declined, the rest accepted and dispatched;
80 % of those replied (half published), 60 % of replies rated, 5 % reviewed, a third of adopted
suggestions converted; about 3 % accepted or replied late. Prints the timings.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Conversion, Department, Rating, Reply, Suggestion, SuggestionEvent,
)
from portal.services.demo import load_reference_data  # noqa: E402
from portal.services.metrics import compute_by_department, compute_metrics  # noqa: E402

CHANNELS = ["online"] * 7 + ["phone", "in_person", "letter"]
DECISIONS = ["adopted", "partly_adopted", "for_reference", "not_adopted"]
RATINGS = ["satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
BATCH = 5000


def generate(n: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    departments = [d.id for d in db.session.scalars(select(Department).where(Department.is_office.is_(False)))]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    rows: dict[type, list[dict]] = {Suggestion: [], SuggestionEvent: [], Reply: [], Rating: [], Conversion: []}

    def flush() -> None:
        for model in (Suggestion, SuggestionEvent, Reply, Rating, Conversion):
            if rows[model]:
                db.session.execute(insert(model), rows[model])
                rows[model].clear()

    for i in range(1, n + 1):
        submitted = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        s = dict(id=i, tracking_number=f"B{i:09d}", title="示例建议", problem="示例", measures="",
                 channel=rng.choice(CHANNELS), status="submitted", submitted_at=submitted, extension_days=0,
                 support_count=0)
        decided = submitted + timedelta(days=rng.choice([1, 3, 7, 12, 14] * 6 + [20]))
        if rng.random() < 0.1:
            s["status"] = "declined"
            rows[SuggestionEvent].append(dict(suggestion_id=i, action="decline", from_status="submitted",
                                              to_status="declined", note="", is_public=False, created_at=decided))
        else:
            s.update(status="dispatched", accepted_at=decided, dispatched_at=decided,
                     lead_department_id=rng.choice(departments))
            if rng.random() < 0.8:
                replied = decided + timedelta(days=rng.choice([10, 30, 45, 58] * 8 + [75]))
                decision = rng.choice(DECISIONS)
                s.update(status="replied", replied_at=replied, decision=decision,
                         published_at=replied if rng.random() < 0.5 else None)
                rows[Reply].append(dict(id=i, suggestion_id=i, kind="reply", decision=decision, body="答复",
                                        created_at=replied))
                if rng.random() < 0.6:
                    rows[Rating].append(dict(reply_id=i, suggestion_id=i, level=rng.choice(RATINGS), comment="",
                                             created_at=replied + timedelta(days=2)))
                if rng.random() < 0.05:
                    s["status"] = "in_review"
                    rows[SuggestionEvent].append(dict(suggestion_id=i, action="request_review",
                                                      from_status="replied", to_status="in_review", note="",
                                                      is_public=True, created_at=replied + timedelta(days=5)))
                if decision in ("adopted", "partly_adopted") and rng.random() < 0.33:
                    rows[Conversion].append(dict(suggestion_id=i, type="public_welfare", description="转化",
                                                 started_on=date(2025, 1, 1), created_at=replied))
        rows[Suggestion].append(s)
        if i % BATCH == 0:
            flush()
    flush()
    db.session.commit()


def timed(label: str, fn, repeat: int = 3):
    """Best wall-clock and CPU time of `repeat` runs (SQLite runs in-process, so CPU time includes
    the database's work and is less disturbed by other load on the machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    print(f"{label:<44} wall {min(wall):6.3f} s   cpu {min(cpu):6.3f} s   (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="number of suggestions (default 100 000)")
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": f"{tmp}/idx"})
        with app.app_context():
            db.create_all()
            load_reference_data(db.session)
            db.session.commit()
            began = time.perf_counter()
            generate(args.n)
            print(f"generated {args.n} suggestions in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
            metrics = timed("compute_metrics, all time", lambda: compute_metrics(db.session))
            timed("compute_metrics, one year (2024)",
                  lambda: compute_metrics(db.session, start=date(2024, 1, 1), end=date(2024, 12, 31)))
            department = db.session.scalar(select(Suggestion.lead_department_id).where(
                Suggestion.lead_department_id.is_not(None)).limit(1))
            timed("compute_metrics, one department, all time",
                  lambda: compute_metrics(db.session, department_id=department))
            timed("compute_by_department, all time", lambda: compute_by_department(db.session))
            for code, ratio in metrics.items():
                rate = "—" if ratio.rate is None else f"{ratio.rate:.2%}"
                print(f"  {code:<24} {ratio.numerator:>7} / {ratio.denominator:<7} {rate}")
            db.session.remove()
            db.drop_all()


if __name__ == "__main__":
    main()
