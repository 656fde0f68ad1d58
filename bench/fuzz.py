"""Malformed traffic against a running gunicorn: every route × every role, reporting 5xx and their causes.

    .venv/bin/python bench/fuzz.py                                  # SQLite, gunicorn -w 4 on :5130
    .venv/bin/python bench/fuzz.py --database-url postgresql://postgres@127.0.0.1:5432/test_x --fresh-database
    .venv/bin/python bench/fuzz.py --url http://127.0.0.1:8000      # a server you started (demo data loaded)

Without --url the script builds a database (migrations + the demo city), starts
`gunicorn -w WORKERS wsgi:app` on 127.0.0.1:PORT with its error log in a temporary folder, and
stops it at the end. It logs in as each demo role through the real login form (CSRF included),
then sends the cases of tests/fuzzing.py (the families the test suite uses) from several threads.
The report: requests sent, answers by status class, every 5xx with its request, and the causes
read from the server's log ("unhandled error" tracebacks). Exit status 1 when any 5xx was seen.
"""
from __future__ import annotations

import argparse
import collections
import http.cookiejar
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import FileStorage, MultiDict  # noqa: E402
from werkzeug.routing import AnyConverter  # noqa: E402
from werkzeug.test import encode_multipart  # noqa: E402

from tests.fuzzing import Case, cases_for, form_field_names, sample_path  # noqa: E402

ROLES = {  # the demo accounts of README.md; password demo-2026
    "anonymous": None,
    "resident": "13800000001",
    "department_staff": "housing@demo.gov.cn",
    "office_staff": "office@demo.gov.cn",
    "hearing_authority": "hearing@demo.gov.cn",
    "admin": "admin@demo.gov.cn",
}
PASSWORD = "demo-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FILE_BODY = b"13700000001\n\x00\xff binary"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One role's browser: a cookie jar, the latest CSRF token, no redirects followed."""

    def __init__(self, base: str, role: str):
        self.base, self.role, self.csrf = base, role, ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects())

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
                timeout: float = 60) -> tuple[int, str]:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        text = raw.decode("utf-8", "replace")
        if (found := CSRF.search(text)) is not None:
            self.csrf = found.group(1)
        return status, text

    def log_in(self, login: str) -> None:
        self.request("GET", "/account/login")
        status, _text = self.request("POST", "/account/login", urlencode(
            {"csrf_token": self.csrf, "login": login, "password": PASSWORD}).encode(),
            "application/x-www-form-urlencoded")
        if status != 302:
            raise SystemExit(f"logging in as {login} answered {status}: is the demo data loaded?")
        self.request("GET", "/")  # a fresh CSRF token for the signed-in session

    def send(self, case: Case, with_csrf: bool) -> int:
        form = list(case.form)
        if with_csrf:
            form.append(("csrf_token", self.csrf))
        if case.json is not None:
            body, content_type = json.dumps(case.json).encode(), "application/json"
        elif case.files:
            data = MultiDict(form)
            for name in case.files:
                data.add(name, FileStorage(io.BytesIO(FILE_BODY), filename="hostname", name=name))
            boundary, body = encode_multipart(data)
            content_type = f"multipart/form-data; boundary={boundary}"
        elif case.method == "GET":
            body, content_type = None, None
        else:
            body, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
        return self.request(case.method, case.path, body, content_type)[0]


def route_samples(rule, rng: random.Random) -> dict:
    """Real-looking values for the route's arguments: small ids exist in the demo data."""
    samples = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        samples[arg] = rng.choice(sorted(converter.items)) if isinstance(converter, AnyConverter) else rng.randint(1, 25)
    return samples


def start_server(args, workdir: Path) -> tuple[subprocess.Popen, str, Path]:
    env = dict(os.environ, PORTAL_INSTANCE_PATH=str(workdir / "instance"),
               SEARCH_INDEX_DIR=str(workdir / "search-index"), MAIL_BACKEND="log",
               SECRET_KEY="fuzz-bench-secret-key-0123456789",
               # Plain http: session cookies must not be Secure, or no role stays logged in. One
               # address sends everything: with the limits on, most cases would only meet a 429.
               COOKIE_SECURE="0", RATELIMIT_ENABLED="0")
    env["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'fuzz.sqlite3'}"
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "portal"]
    if args.fresh_database and env["DATABASE_URL"].startswith("postgres"):
        subprocess.run([sys.executable, "-c", (
            "from sqlalchemy import create_engine, text; import sys\n"
            "url = sys.argv[1].replace('postgresql://', 'postgresql+psycopg://', 1)\n"
            "with create_engine(url).begin() as c:\n"
            "    c.execute(text('DROP SCHEMA public CASCADE')); c.execute(text('CREATE SCHEMA public'))"),
            env["DATABASE_URL"]], check=True)
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    # The demo city without the shared real messages: the same pages and roles, loaded in seconds.
    subprocess.run([sys.executable, "-c", (
        "from portal import create_app; from portal.extensions import db; from portal.services import demo\n"
        "with create_app().app_context():\n"
        "    demo.load(db.session, shared_data=None); db.session.commit()")], env=env, cwd=ROOT, check=True)
    log = workdir / "gunicorn-error.log"
    # The portal logs its "unhandled error" tracebacks to stderr, gunicorn its own events too.
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
         "--timeout", "120", "--error-logfile", "-", "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/about", timeout=2).read()
            return server, base, log
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on {base}; see {log}")


def causes_from_log(log: Path) -> collections.Counter:
    """The last line of each 'unhandled error' traceback (the exception) in the server's log."""
    found: collections.Counter = collections.Counter()
    if not log.exists():
        return found
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if "unhandled error on" not in line:
            continue
        where = line.split("unhandled error on", 1)[1].strip()[:80]
        for following in lines[i + 1:i + 200]:
            if following and not following.startswith((" ", "Traceback", "During handling", "The above")):
                found[f"{following[:160]}  (first seen: {where})"] += 1
                break
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running portal with the demo data; default: start one")
    parser.add_argument("--database-url", help="for the server this script starts (default: a new SQLite file)")
    parser.add_argument("--fresh-database", action="store_true",
                        help="drop and recreate the PostgreSQL schema first (destroys its data)")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=6, help="client threads")
    parser.add_argument("--port", type=int, default=5130)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)

    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    server, log = None, workdir / "none.log"
    if args.url:
        base = args.url.rstrip("/")
    else:
        server, base, log = start_server(args, workdir)
    os.environ.setdefault("PORTAL_INSTANCE_PATH", str(workdir / "map-instance"))
    os.environ.setdefault("SECRET_KEY", "fuzz-bench-secret-key-0123456789")
    from portal import create_app

    rules = [r for r in create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules()
             if r.endpoint != "static"]
    print(f"fuzz: seed {seed}, {len(rules)} routes × {len(ROLES)} roles, {args.requests} requests at {base}")
    try:
        results = run(base, rules, seed, args.requests, args.threads)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=120)
            except subprocess.TimeoutExpired:
                server.kill()
    return report(results, causes_from_log(log), seed)


def run(base: str, rules, seed: int, total: int, threads: int) -> dict:
    lock = threading.Lock()
    results = {"sent": 0, "by_class": collections.Counter(), "errors": [], "started": time.monotonic()}

    def worker(index: int) -> None:
        rng = random.Random(f"{seed}-{index}")
        role = list(ROLES)[index % len(ROLES)]
        visitor = Visitor(base, role)
        if ROLES[role]:
            visitor.log_in(ROLES[role])
        fields: dict[str, list[str]] = {}
        while True:
            rule = rng.choice(rules)
            samples = route_samples(rule, rng)
            if rule.rule not in fields:
                names: list[str] = []
                if "GET" in rule.methods:
                    status, text = visitor.request("GET", sample_path(rule, samples))
                    names = form_field_names(text) if status == 200 else []
                fields[rule.rule] = names
            for case in cases_for(rng, rule, samples, fields[rule.rule], per_route=1):
                with lock:
                    if results["sent"] >= total:
                        return
                    results["sent"] += 1
                try:
                    # Mostly past CSRF, so that the forms themselves are exercised.
                    status = visitor.send(case, with_csrf=rng.random() < 0.9)
                except OSError as error:  # a dropped connection or no answer in time is a failure too
                    if isinstance(getattr(error, "reason", error), BrokenPipeError):
                        # The server closed while we were still sending: gunicorn answers an
                        # over-long request line or header with 400 and stops reading.
                        status = 400
                    else:
                        status = 599
                        case.family += f" (no answer: {error})"
                with lock:
                    if results["sent"] % 1000 == 0:
                        print(f"  … {results['sent']} sent, {len(results['errors'])} × 5xx", file=sys.stderr, flush=True)
                    results["by_class"][f"{status // 100}xx"] += 1
                    if status >= 500:
                        results["errors"].append(f"{status} as {role}: {case.describe()} ({rule.endpoint})")
            if ROLES[role] and rng.random() < 0.02:
                visitor.log_in(ROLES[role])  # a fuzzed logout or account change must not end the run

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker, i) for i in range(max(threads, len(ROLES)))]:
            future.result()
    results["seconds"] = time.monotonic() - results["started"]
    return results


def report(results: dict, causes: collections.Counter, seed: int) -> int:
    errors = results["errors"]
    print(f"requests: {results['sent']} in {results['seconds']:.0f} s "
          f"({results['sent'] / max(results['seconds'], 1e-9):.0f}/s); "
          + ", ".join(f"{k}: {v}" for k, v in sorted(results["by_class"].items())))
    print(f"5xx: {len(errors)}")
    for line in errors[:30]:
        print("  " + line)
    if causes:
        print("causes (server log):")
        for cause, count in causes.most_common():
            print(f"  {count} × {cause}")
    print(f"seed: {seed} (rerun with --seed {seed})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
