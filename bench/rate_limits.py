"""Rate limits across gunicorn workers: Redis-shared counters against per-process memory.

    .venv/bin/python bench/rate_limits.py --redis redis://127.0.0.1:6379/4 --port 5140

For each storage (redis://…, then memory:// for contrast) it starts `gunicorn -w 4`, then
1. sends 100 searches from one address, one connection each (any worker may answer), with
   RATELIMIT_SEARCH_ADDRESS = 20 per minute: shared counters give exactly 20 answers and 80 × 429;
2. sends 40 parallel wrong passwords for one identity (no account needed: the lockout counts what
   was typed): at most 5 may be checked.
Prints the counts and which worker processes answered. Keys use a random prefix, deleted after.
"""
from __future__ import annotations

import argparse
import re
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gunicorn_harness import Portal  # noqa: E402

SEARCHES, SEARCH_LIMIT, LOGINS = 100, 20, 40


def wrong_login(portal: Portal) -> tuple[int, str, dict]:
    """As a browser does: the form page first (session cookie and CSRF token), then the POST."""
    _status, page, headers = portal.request("GET", "/account/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return portal.request("POST", "/account/login", headers={"Cookie": cookie},
                          form={"login": "138 0000 9999", "password": "wrong-password", "csrf_token": token})


def run(storage: str, port: int, workers: int) -> dict:
    prefix = f"bench-limits-{uuid.uuid4().hex[:10]}"
    env = {"RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix,
           "RATELIMIT_SEARCH_ADDRESS": f"{SEARCH_LIMIT} per minute",
           "RATELIMIT_LOGIN_ADDRESS": "1000 per minute", "SEARCH_SYNC_INLINE": "0"}
    with Portal(port=port, workers=workers, env=env) as portal:
        with ThreadPoolExecutor(max_workers=8) as pool:
            searches = Counter(pool.map(lambda _: portal.request("GET", "/search?q=停车")[0], range(SEARCHES)))
        with ThreadPoolExecutor(max_workers=LOGINS) as pool:
            pages = list(pool.map(lambda _: wrong_login(portal), range(LOGINS)))
        answered = portal.pids_that_answered()
    if storage.startswith("redis"):
        import redis

        connection = redis.Redis.from_url(storage)
        for key in connection.scan_iter(match=f"*{prefix}*"):
            connection.delete(key)
    return {
        "storage": storage.split("://")[0], "workers_answering": len(answered),
        "search_200": searches[200], "search_429": searches[429], "search_other": SEARCHES - searches[200] - searches[429],
        "login_checked": sum("is not right" in body for _status, body, _headers in pages),
        "login_locked": sum("Too many failed attempts" in body for _status, body, _headers in pages),
        "login_5xx": sum(status >= 500 for status, _body, _headers in pages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--port", type=int, default=5140)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    for storage in (args.redis, "memory://"):
        result = run(storage, args.port, args.workers)
        print(" ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
