"""Faults survived without a person, against a running `gunicorn -w 4`.

    .venv/bin/python bench/faults.py --port 5141                                   # SQLite
    .venv/bin/python bench/faults.py --port 5142 --database-url postgresql://postgres@127.0.0.1/test_x

Residents keep browsing, searching and supporting (each resident supports each suggestion at
most once, so the expected count is known) while the script, one after another:
1. kills a worker with SIGKILL in the middle of its requests (gunicorn starts another);
2. deletes the search index directory (searches show "temporarily unavailable" until the
   after-commit job or the sync loop rebuilds it; never inside a request);
3. on PostgreSQL, terminates every connection of the portal's database (pg_terminate_backend;
   the pool's pre-ping reconnects).
Then traffic stops, the script waits for the outbox to drain by itself and runs
`flask search verify`. Prints requests, 5xx, supports expected/counted, faults survived.

The default configuration (SEARCH_SYNC_INLINE=1: a sync thread per worker after commits);
`--sync-loop` instead sets SEARCH_SYNC_INLINE=0 and runs `flask search sync --loop 2` beside it.
Limits are off: this measures faults, not rate limiting (bench/rate_limits.py does that).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gunicorn_harness import BIN, ROOT, Portal  # noqa: E402

SETUP = """
from werkzeug.security import generate_password_hash
from portal.extensions import db
from portal.models import Role, Status, Suggestion, User
from portal.services import workflow
from portal.timeutil import utcnow
password = generate_password_hash("bench-password")
office = User(display_name="办公室", role=Role.OFFICE_STAFF.value, email="office@bench.cn", password_hash=password)
db.session.add(office)
for n in range({residents}):
    db.session.add(User(display_name="居民", role=Role.RESIDENT.value, phone=f"1390000{{n:04d}}", password_hash=password))
db.session.flush()
for n in range({suggestions}):
    s = Suggestion(tracking_number=f"F{{n:08d}}", title=f"第{{n}}条建议：公交线路优化与站台遮阳", problem="等车时间太长，站台没有遮挡。",
                   measures="增加班次，加装遮阳棚。", status=Status.SUBMITTED.value, submitted_at=utcnow())
    db.session.add(s)
    db.session.flush()
    workflow.apply_transition(db.session, s, "accept", office)
db.session.commit()
"""
COUNT = """
from sqlalchemy import func, select
from portal.extensions import db
from portal.models import IndexOutbox, Suggestion, Support
rows = db.session.scalar(select(func.count()).select_from(Support))
counted = db.session.scalar(select(func.sum(Suggestion.support_count)))
pending = db.session.scalar(select(func.count()).select_from(IndexOutbox))
print(f"ROWS={rows} COUNTED={counted} PENDING={pending}")
"""


class Traffic:
    """Signed-in residents; each (resident, suggestion) support is sent at most once."""

    def __init__(self, portal: Portal, residents: int, suggestions: int):
        self.portal = portal
        self.pairs = [(r, s) for r in range(residents) for s in range(1, suggestions + 1)]
        random.Random(7).shuffle(self.pairs)
        self.suggestions = suggestions
        self.statuses: Counter = Counter()
        self.supported: set[tuple[int, int]] = set()
        self.cookies: dict[int, tuple[str, str]] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def sign_in(self, resident: int) -> tuple[str, str]:
        """(session cookie, CSRF token) of a freshly signed-in resident."""
        for _attempt in range(5):
            try:
                cookie, token = self._page_token("/account/login", "")
                status, _body, headers = self.portal.request(
                    "POST", "/account/login", headers={"Cookie": cookie},
                    form={"login": f"1390000{resident:04d}", "password": "bench-password", "csrf_token": token})
                if status == 302:
                    cookie = headers["Set-Cookie"].split(";", 1)[0]
                    return cookie, self._page_token("/account/profile", cookie)[1]
            except (OSError, KeyError, AttributeError):
                time.sleep(0.5)
        raise RuntimeError(f"resident {resident} could not sign in")

    def _page_token(self, path: str, cookie: str) -> tuple[str, str]:
        _status, body, headers = self.portal.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        cookie = headers.get("Set-Cookie", cookie).split(";", 1)[0] if headers.get("Set-Cookie") else cookie
        return cookie, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)

    def run(self, lane: int, lanes: int) -> None:
        rng = random.Random(lane)
        mine = self.pairs[lane::lanes]
        while not self.stop.is_set():
            choice = rng.random()
            supporting = None
            try:
                if choice < 0.5 and mine:
                    supporting = mine.pop()
                    resident, suggestion = supporting
                    if resident not in self.cookies:
                        self.cookies[resident] = self.sign_in(resident)
                    cookie, token = self.cookies[resident]
                    status, _body, _headers = self.portal.request(
                        "POST", f"/suggestions/{suggestion}/support", headers={"Cookie": cookie},
                        form={"csrf_token": token})
                elif choice < 0.8:
                    status = self.portal.request("GET", "/search?q=" + rng.choice(["公交", "遮阳", "站台"]))[0]
                else:
                    status = self.portal.request("GET", f"/suggestions/{rng.randint(1, self.suggestions)}")[0]
            except (OSError, RuntimeError):  # the worker died under this request: a dropped connection
                status = "dropped"
            with self.lock:
                self.statuses[status] += 1
                if supporting is not None:
                    # A dropped support may or may not have committed: send it again, as a
                    # resident would; the unique constraint keeps it single.
                    if status == "dropped":
                        mine.append(supporting)
                    elif status == 302:
                        self.supported.add(supporting)


def flask_python(portal: Portal, code: str) -> str:
    """Run `code` inside the portal's app context, in a process of its own; its printed output."""
    wrapper = "from portal import create_app\nwith create_app().app_context():\n    exec(compile(%r, 'bench', 'exec'))\n"
    return subprocess.run([sys.executable, "-c", wrapper % code], cwd=ROOT, env=portal.env,
                          capture_output=True, text=True, check=True).stdout


def terminate_connections(database_url: str) -> int:
    import psycopg

    dbname = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,)).fetchall()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5141)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (its tables are dropped and rebuilt)")
    parser.add_argument("--residents", type=int, default=60)
    parser.add_argument("--suggestions", type=int, default=20)
    parser.add_argument("--lanes", type=int, default=6, help="concurrent clients")
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    parser.add_argument("--sync-loop", action="store_true")
    args = parser.parse_args()

    env = {"RATELIMIT_ENABLED": "0", "SEARCH_SYNC_INLINE": "0" if args.sync_loop else "1"}
    portal = Portal(port=args.port, workers=4, env=env, database_url=args.database_url)
    if args.database_url:
        drop = "from sqlalchemy import text\nfrom portal.extensions import db\nwith db.engine.begin() as c:\n" \
               "    c.execute(text('DROP SCHEMA public CASCADE'))\n    c.execute(text('CREATE SCHEMA public'))\n"
        flask_python(portal, drop)
    portal.flask("db", "upgrade")
    flask_python(portal, SETUP.format(residents=args.residents, suggestions=args.suggestions))
    loop = None
    started = time.monotonic()
    faults: list[str] = []
    with portal:
        if args.sync_loop:
            loop = subprocess.Popen([str(BIN / "flask"), "--app", "portal", "search", "sync", "--loop", "2",
                                     "--repair-every", "10"], cwd=ROOT, env=portal.env,
                                    stdout=open(portal.scratch / "sync.log", "w"), stderr=subprocess.STDOUT)
        traffic = Traffic(portal, args.residents, args.suggestions)
        lanes = [threading.Thread(target=traffic.run, args=(n, args.lanes)) for n in range(args.lanes)]
        for lane in lanes:
            lane.start()
        time.sleep(args.phase_seconds)
        victim = random.Random(1).choice(portal.worker_pids())
        os.kill(victim, signal.SIGKILL)
        faults.append(f"kill -9 worker {victim}")
        time.sleep(args.phase_seconds)
        shutil.rmtree(portal.env["SEARCH_INDEX_DIR"], ignore_errors=True)
        faults.append("index directory deleted")
        time.sleep(args.phase_seconds)
        if args.database_url:
            faults.append(f"pg_terminate_backend x{terminate_connections(args.database_url)}")
            time.sleep(args.phase_seconds)
        traffic.stop.set()
        for lane in lanes:
            lane.join()
        # No manual step: wait for the after-commit jobs (or the loop) to drain the outbox.
        deadline = time.monotonic() + 120
        while True:
            counts = dict(re.findall(r"(\w+)=(\d+)", flask_python(portal, COUNT)))
            if counts["PENDING"] == "0" or time.monotonic() > deadline:
                break
            time.sleep(2)
        searchable = portal.request("GET", "/search?q=公交")[1]
        if loop is not None:
            loop.send_signal(signal.SIGTERM)
            loop.wait(timeout=30)
    verify = portal.flask("search", "verify", check=False)
    statuses = traffic.statuses
    total = sum(statuses.values())
    # 503 is the intended answer while a connection is being killed ("briefly unavailable, try
    # again", the typed text shown back); any other 5xx is a failure.
    server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503)
    print(f"database={'postgresql' if args.database_url else 'sqlite'} sync={'loop' if args.sync_loop else 'thread'} "
          f"seconds={time.monotonic() - started:.0f} requests={total} 5xx_other_than_503={server_errors} "
          f"dropped={statuses.get('dropped', 0)} statuses={dict(statuses)}")
    print(f"supports expected={len(traffic.supported)} rows={counts['ROWS']} counted={counts['COUNTED']} "
          f"pending={counts['PENDING']} search_unavailable_at_end={'temporarily unavailable' in searchable}")
    print(f"faults survived: {'; '.join(faults)}")
    print("verify: " + verify.stdout.strip().splitlines()[-1] + f" (exit {verify.returncode})")
    if server_errors:
        log = (portal.scratch / "gunicorn.log").read_text(errors="replace").splitlines()
        failed = [n for n, line in enumerate(log) if "unhandled error" in line or "Traceback" in line]
        for n in failed[:3]:
            print("\n".join(log[n:n + 40]))
    shutil.rmtree(portal.scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
