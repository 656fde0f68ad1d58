"""Every kind of page at a city's volume, against a hello-world under the same gunicorn settings.

    .venv/bin/python bench/pages.py -n 10000                      # SQLite in a temporary folder
    .venv/bin/python bench/pages.py -n 100000 --database-url postgresql://postgres@127.0.0.1/bench \\
        --cache-redis-url redis://127.0.0.1:6379/6

1. Generates N suggestions by bulk inserts (minutes, not hours): statuses in plausible shares,
   events, dispatches, replies (half published), ratings, conversions with outcomes, supports
   from residents, themed calls, hearings; text composed from a city's vocabulary, with one rare
   word in a few suggestions. The database must be empty (PostgreSQL) or is a temporary file.
2. Builds the search index (`flask search reindex`) and serves the portal as the README's scale
   path does: `gunicorn -w W`, SEARCH_SYNC_INLINE=0 with one `flask search sync --loop` writer,
   the page cache in Redis when --cache-redis-url is given. A hello-world (bench/hello.py) runs
   beside it with the same settings.
3. For each page: R requests from C concurrent clients, right after R to the hello-world, and
   prints the throughput ratio, p50/p95/p99, and the page's SQL statements (counted in-process
   with caches off, i.e. the cost of a miss). Signed-in pages use logged-in clients. Then the time
   to the first bytes of each open-data export, support POSTs by C residents (counts checked
   exact against the support rows) against hello-world POSTs, and each worker's memory after a
   mixed run (RSS and the private part; the index's mapped pages are shared by all workers).
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Category, Conversion, ConversionOutcome, Department, Dispatch, District, Hearing, Rating, Reply, Role,
    Suggestion, SuggestionEvent, Support, ThemedCall, User,
)
from portal.services.demo import load_reference_data  # noqa: E402
from tests.sql_counter import count_statements  # noqa: E402

BIN = Path(sys.executable).parent
HELLO_POSTS = 5000
SUPPORTS_PER_CLIENT = 10  # 500 supports with 50 clients: enough for a steady rate
PASSWORD = "bench-password-2026"
RARE_WORD = "鹭鸶湾"  # appears in about one suggestion in 2 000
PLACES = ["柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县", "府山街道", "荷花街道", "新新街道", "白云街道"]
TOPICS = [
    ("小区停车", "小区车位不足，晚上车辆乱停占用消防通道", "建议利用闲置空地建设立体停车场，错峰开放机关单位车位"),
    ("公交线路", "新建小区离最近的公交站有两公里，老人出行不便", "建议增设公交线路或开通社区微循环巴士"),
    ("学校周边交通", "上下学高峰学校门口拥堵，孩子过马路不安全", "建议设置护学岗和临时停车接送区"),
    ("老旧小区改造", "老旧小区没有电梯，楼道照明损坏，雨天漏水", "建议纳入老旧小区改造计划，加装电梯"),
    ("青年租房", "来衢求职的青年短期租房难，押金高", "建议推出面向求职青年的短期租房服务"),
    ("垃圾分类", "垃圾分类投放点设置不合理，清运不及时", "建议增加定时定点投放点并公布清运时间"),
    ("菜市场", "菜市场环境脏乱，周边占道经营", "建议对菜市场进行提升改造，规范周边摊位"),
    ("养老服务", "社区老人就餐难，独居老人无人照看", "建议建设社区老年食堂，开展助餐上门服务"),
    ("河道治理", "河道水质变差，夏天有异味", "建议开展河道清淤并加强沿河排污口巡查"),
    ("夜间噪音", "夜间工地施工噪音扰民", "建议严格夜间施工审批并公布投诉电话"),
]
DECISIONS = ["adopted", "partly_adopted", "for_reference", "not_adopted"]
RATINGS = ["satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
CONVERSIONS = ["public_welfare", "agency_improvement", "government_decision", "other"]
BATCH = 5000


# --- 1. data ---------------------------------------------------------------------------------------

def generate(n: int, seed: int = 2026) -> dict:
    rng = random.Random(seed)
    load_reference_data(db.session)
    db.session.commit()
    departments = [d.id for d in db.session.scalars(select(Department).where(Department.is_office.is_(False)))]
    office = db.session.scalar(select(Department.id).where(Department.is_office.is_(True)))
    categories = [c.id for c in db.session.scalars(select(Category))]
    districts = [d.id for d in db.session.scalars(select(District))]
    template = User(display_name="x")
    template.set_password(PASSWORD)
    users = [dict(id=i, phone=f"139{i:08d}", password_hash=template.password_hash, display_name=f"居民{i}",
                  role=Role.RESIDENT.value) for i in range(1, max(200, n // 20) + 1)]
    residents = len(users)
    staff = {}
    for offset, department in enumerate([office] + departments, start=residents + 1):
        role = Role.OFFICE_STAFF if department == office else Role.DEPARTMENT_STAFF
        staff[department] = dict(id=offset, email=f"staff{offset}@bench.gov.cn", password_hash=template.password_hash,
                                 display_name=f"工作人员{offset}", role=role.value, department_id=department)
    users += list(staff.values())
    db.session.execute(insert(User), users)
    now = datetime.now(timezone.utc)
    calls = [dict(id=i, department_id=rng.choice(departments), title=f"{topic}专项征集", description=problem,
                  opens_at=now - timedelta(days=400 - 60 * i), closes_at=now + timedelta(days=30 - 60 * i),
                  created_at=now - timedelta(days=400))
             for i, (topic, problem, _m) in enumerate(TOPICS[:6], start=1)]
    db.session.execute(insert(ThemedCall), calls)
    rows: dict[type, list[dict]] = {model: [] for model in
                                    (Suggestion, SuggestionEvent, Dispatch, Reply, Rating, Conversion,
                                     ConversionOutcome, Support, Hearing)}

    def flush() -> None:
        for model, batch in rows.items():
            if batch:
                db.session.execute(insert(model), batch)
                batch.clear()

    def event(i, action, before, after, at, public=True):
        rows[SuggestionEvent].append(dict(suggestion_id=i, action=action, from_status=before, to_status=after,
                                          note="", is_public=public, created_at=at))

    start = now - timedelta(days=3 * 365)
    open_ids = []
    conversion_id = 0
    for i in range(1, n + 1):
        topic, problem, measures = rng.choice(TOPICS)
        place = rng.choice(PLACES)
        title = f"关于{place}{topic}问题的建议"
        if rng.random() < 0.0005:
            title += f"（{RARE_WORD}）"
        submitted = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60 - 60 * 24 * 20))
        s = dict(id=i, tracking_number=f"B{i:09d}", title=title, problem=f"{place}{problem}。{rng.randrange(1000)}",
                 measures=measures, channel="online" if rng.random() < 0.7 else "phone", status="submitted",
                 submitted_at=submitted, extension_days=0, support_count=0, author_id=rng.randrange(1, residents + 1),
                 category_id=rng.choice(categories), district_id=rng.choice(districts))
        decided = submitted + timedelta(days=rng.choice([1, 3, 7, 12, 14]))
        roll = rng.random()
        if roll < 0.01:
            pass  # waiting in the office's queue
        elif roll < 0.08:
            s["status"] = "declined"
            event(i, "decline", "submitted", "declined", decided, public=False)
        else:
            department = rng.choice(departments)
            s.update(status="dispatched", accepted_at=decided, dispatched_at=decided, lead_department_id=department)
            if rng.random() < 0.02:
                s["themed_call_id"] = rng.choice(calls)["id"]
            event(i, "accept", "submitted", "accepted", decided)
            event(i, "dispatch", "accepted", "dispatched", decided)
            rows[Dispatch].append(dict(suggestion_id=i, department_id=department, role="lead", created_at=decided))
            replied = decided + timedelta(days=rng.choice([10, 30, 45, 58, 75]))
            if replied < now and rng.random() < 0.85:
                decision = rng.choice(DECISIONS)
                published = rng.random() < 0.6
                s.update(status="replied", replied_at=replied, decision=decision,
                         published_at=replied if published else None)
                event(i, "reply", "dispatched", "replied", replied)
                if published:
                    event(i, "published", None, None, replied)
                rows[Reply].append(dict(id=i, suggestion_id=i, kind="reply", decision=decision, department_id=department,
                                        body=f"经研究，{measures}。我局将于年内推进落实。", created_at=replied))
                if rng.random() < 0.6:
                    rows[Rating].append(dict(reply_id=i, suggestion_id=i, level=rng.choice(RATINGS), comment="",
                                             created_at=replied + timedelta(days=2)))
                if published and decision in ("adopted", "partly_adopted") and rng.random() < 0.4:
                    conversion_id += 1
                    rows[Conversion].append(dict(id=conversion_id, suggestion_id=i, type=rng.choice(CONVERSIONS),
                                                 description=f"推出{topic}改善措施", started_on=date(2025, 1, 1),
                                                 created_at=replied))
                    rows[ConversionOutcome].append(dict(conversion_id=conversion_id, position=0, name="受益人数",
                                                        value=Decimal(rng.randrange(10, 5000)), unit="人"))
            else:
                open_ids.append(i)
                supporters = rng.sample(range(1, residents + 1), rng.choice([0, 0, 1, 2, 5, 12]))
                supporters = [u for u in supporters if u != s["author_id"]]
                s["support_count"] = len(supporters)
                rows[Support].extend(dict(suggestion_id=i, user_id=u, created_at=decided) for u in supporters)
            if rng.random() < 0.002:
                at = now + timedelta(days=rng.randrange(-300, 60))
                rows[Hearing].append(dict(
                    reference=f"TZ-{i}", suggestion_id=i, subject=f"关于{place}{topic}的听证", department_id=department,
                    starts_at=at, venue="衢州市信访局听证室", registration_closes_at=at - timedelta(days=2),
                    status="scheduled" if at > now else "concluded", published_at=at - timedelta(days=10),
                    updated_at=at - timedelta(days=10), observer_seats=10))
        rows[Suggestion].append(s)
        if i % BATCH == 0:
            flush()
    flush()
    if db.engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequences on
        for table in ("user_account", "themed_call", "suggestion", "reply", "conversion"):
            db.session.execute(db.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.commit()
    return {"open_ids": open_ids, "residents": residents,
            "office_login": staff[office]["email"], "department_login": staff[departments[0]]["email"]}


# --- 2. processes ----------------------------------------------------------------------------------

def start_servers(env: dict, args, tmp: str) -> list[subprocess.Popen]:
    common = ["-w", str(args.workers), "--threads", str(args.threads), "--timeout", "120", "--log-level", "warning"]
    portal = subprocess.Popen([str(BIN / "gunicorn"), *common, "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    hello = subprocess.Popen([str(BIN / "gunicorn"), *common, "-b", f"127.0.0.1:{args.port + 1}", "bench.hello:app"],
                             cwd=ROOT, env=env, start_new_session=True)
    sync = subprocess.Popen([str(BIN / "flask"), "--app", "portal", "search", "sync", "--loop", "5"], cwd=ROOT,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    processes = [portal, hello, sync]
    try:
        for port in (args.port, args.port + 1):
            _wait_for(f"http://127.0.0.1:{port}/")
    except BaseException:
        stop(processes)
        raise
    return processes


def _wait_for(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=60).read()
            return
        except OSError:  # refused while starting, or slow to answer the first time
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def stop(processes) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # it has exited already: nothing to stop
    for process in processes:
        process.wait(timeout=30)


def worker_memory(master_pid: int) -> list[tuple[int, int, int]]:
    """(RSS, PSS, private) in MB of each gunicorn worker under `master_pid`. RSS counts in full the
    pages every worker shares with the master (libraries, dictionaries loaded before the fork);
    PSS counts a worker's share of them."""
    result = []
    for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        kb = {k: int(v.strip().split()[0]) for k, v in fields.items()}
        result.append((kb["Rss"] // 1024, kb["Pss"] // 1024, (kb["Private_Clean"] + kb["Private_Dirty"]) // 1024))
    return result


# --- 3. clients ------------------------------------------------------------------------------------

class Client:
    """One visitor: its own cookies; no redirects followed (a 302 after a POST is the success)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def get(self, path: str, limit: int | None = None) -> tuple[int, bytes]:
        return self._open(urllib.request.Request(self.base + path), limit)

    def post(self, path: str, data: dict) -> tuple[int, bytes]:
        return self._open(urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode()), None)

    def _open(self, request, limit) -> tuple[int, bytes]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(limit) if limit else response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def token(self, path: str) -> str:
        return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)[1]).group(1).decode()

    def login(self, login: str) -> None:
        status, _body = self.post("/account/login", {"login": login, "password": PASSWORD,
                                                      "csrf_token": self.token("/account/login")})
        assert status == 302, f"login {login}: {status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def load(clients: list[Client], paths: list[str], requests: int, method: str = "GET",
         data: list[dict] | None = None) -> dict:
    """`requests` requests spread over the clients (one thread each); latencies and throughput."""
    latencies: list[float] = []
    errors = []
    counter = iter(range(requests))
    lock = threading.Lock()

    def run(k: int) -> None:
        client = clients[k]
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            began = time.perf_counter()
            try:
                if method == "GET":
                    status, _ = client.get(paths[i % len(paths)])
                else:
                    status, _ = client.post(paths[i % len(paths)], data[k] if data else {})
            except OSError:  # timed out or refused: an error, at the latency it cost
                status = 599
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                if status >= 400:
                    errors.append(status)

    began = time.perf_counter()
    with futures.ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(run, range(len(clients))))
    wall = time.perf_counter() - began
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / wall, "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000,
            "errors": len(errors)}


def statements(app, path: str, login: str | None) -> int:
    client = app.test_client()
    if login:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/account/login").get_data(as_text=True)).group(1)
        client.post("/account/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    client.get(path)
    with app.app_context(), count_statements(db.engine) as sent:
        client.get(path)
    return len(sent)


# --- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="suggestions to generate (default 10 000)")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)")
    parser.add_argument("--cache-redis-url", default="", help="the page cache's Redis (the scale path)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=500, help="requests per page (default 500)")
    parser.add_argument("--port", type=int, default=5160, help="the portal's port; hello-world on the next")
    parser.add_argument("--reindex-procs", type=int, default=2)
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"), default="whoosh",
                        help="postgres: the several-hosts scale path (needs --database-url)")
    parser.add_argument("--skip-staff", action="store_true", help="leave out the office queue and workbench")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker, for the portal and the hello-world alike")
    parser.add_argument("--supports-only", action="store_true",
                        help="measure only the support POSTs (against hello-world POSTs)")
    parser.add_argument("--keep", metavar="DIR", help="keep the instance folder and what was generated in DIR; "
                        "run again with the same DIR (and database) to measure without generating")
    parser.add_argument("--drop-existing", action="store_true",
                        help="empty the PostgreSQL database first (DROP SCHEMA public CASCADE)")
    args = parser.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="bench-pages-")
    os.makedirs(tmp, exist_ok=True)
    kept = Path(tmp, "world.json")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789", "SEARCH_SYNC_INLINE": "0",
           "SEARCH_INDEX_DIR": f"{tmp}/index", "PORTAL_INSTANCE_PATH": f"{tmp}/instance",
           "CACHE_REDIS_URL": args.cache_redis_url, "SEARCH_BACKEND": args.search_backend,
           # Plain http here, so cookies may not be Secure; and all 50 clients share one address,
           # which the per-address limits would turn into 429s: this measures pages, not limits
           # (bench/rate_limits.py measures those).
           "COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0"}
    for key in ("DATABASE_URL", "SEARCH_INDEX_DIR", "SEARCH_SYNC_INLINE", "CACHE_REDIS_URL", "SECRET_KEY",
                "SEARCH_BACKEND", "COOKIE_SECURE", "RATELIMIT_ENABLED"):
        os.environ[key] = env[key]
    app = create_app({"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})
    print(f"load before: {os.getloadavg()}")
    if kept.exists():
        world = json.loads(kept.read_text())
        print(f"measuring what {kept} describes (generated before)")
    else:
        world = prepare(app, args, env, url)
        if args.keep:
            kept.write_text(json.dumps(world))
    if args.cache_redis_url:
        import redis
        redis.Redis.from_url(args.cache_redis_url).delete(*(redis.Redis.from_url(args.cache_redis_url)
                                                            .keys("portal:*") or ["-"]))
    processes = start_servers(env, args, tmp)
    try:
        run(app, args, world, processes)
        if args.keep:
            kept.write_text(json.dumps({**world, "runs": world.get("runs", 0) + 1}))
    finally:
        stop(processes)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def prepare(app, args, env, url) -> dict:
    """Generate the data and build the search index."""
    with app.app_context():
        from flask_migrate import upgrade
        if args.drop_existing and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(db.text("DROP SCHEMA public CASCADE"))
                connection.execute(db.text("CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        began = time.perf_counter()
        world = generate(args.n)
        print(f"generated {args.n} suggestions in {time.perf_counter() - began:.0f} s ({url.split(':')[0]})")
    began = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "--app", "portal", "search", "reindex", "--procs", str(args.reindex_procs)],
                   cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"search index built in {time.perf_counter() - began:.0f} s")
    return world


def run(app, args, world, processes) -> None:
    base, hello_base = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}"
    anonymous = [Client(base) for _ in range(args.clients)]
    hello = [Client(hello_base) for _ in range(args.clients)]
    deep = anonymous[0].get("/suggestions/")[1]
    for _ in range(200 if args.n >= 100_000 else 20):  # follow "Next" as a reader (or crawler) would
        deep = anonymous[0].get(re.search(rb'rel="next" href="([^"]+)"', deep).group(1).decode()
                                .replace("&amp;", "&"))[1]
    deep_path = re.search(rb'rel="next" href="([^"]+)"', deep).group(1).decode().replace("&amp;", "&")
    with app.app_context():
        some = db.session.scalars(select(Suggestion.id).where(Suggestion.published_at.is_not(None)).limit(200)).all()
        call = db.session.scalar(select(ThemedCall.id).order_by(ThemedCall.id))
        category = db.session.scalar(select(Category.id).order_by(Category.id))
    pages = {
        "home": ["/"],
        "list, first page": ["/suggestions/"],
        "list, deep page": [deep_path],
        "list, filtered": [f"/suggestions/?category={category}&sort=supported"],
        "a suggestion": [f"/suggestions/{i}" for i in some],
        "outcomes": ["/suggestions/outcomes"],
        "search, common word": ["/search?q=" + urllib.parse.quote("停车")],
        "search, rare word": ["/search?q=" + urllib.parse.quote(RARE_WORD)],
        "search, with facets": ["/search?q=" + urllib.parse.quote("小区") + "&kind=suggestion&status=replied"],
        "themed calls": ["/calls/", f"/calls/{call}"],
        "hearings": ["/hearings/"],
        "metrics": ["/metrics/"],
    }
    staff_pages = {"office queue": (["/office/"], world["office_login"]),
                   "department workbench": (["/department/"], world["department_login"])}
    print(f"\n{args.n} suggestions, gunicorn -w {args.workers} --threads {args.threads}, {args.clients} clients, "
          f"{args.requests} requests a page; load {os.getloadavg()}")
    print(f"{'page':<24}{'ratio':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'SQL':>5}{'err':>5}")
    if args.skip_staff:
        staff_pages = {}
    if args.supports_only:
        pages, staff_pages = {}, {}
    for name, paths in list(pages.items()) + [(k, v[0]) for k, v in staff_pages.items()]:
        login = staff_pages[name][1] if name in staff_pages else None
        clients = anonymous
        if login:
            clients = [Client(base) for _ in range(args.clients)]
            for client in clients:
                client.login(login)
        for path in paths:
            try:
                clients[0].get(path)  # warm: the first visit fills the cache (misses: see the SQL column)
            except OSError:
                pass  # a failed warm-up shows as errors in the measured run that follows
        yardstick = load(hello, ["/"], args.requests)
        result = load(clients, paths, args.requests)
        sql = statements(app, paths[0], login)
        print(f"{name:<24}{result['rps'] / yardstick['rps']:>7.1%}{result['rps']:>8.0f}{result['p50']:>8.0f}"
              f"{result['p95']:>8.0f}{result['p99']:>8.0f}{sql:>5}{result['errors']:>5}", flush=True)
    if pages:
        print(f"hello-world: {yardstick['rps']:.0f} req/s; load {os.getloadavg()}")
        measure_exports(anonymous[0])
    measure_supports(app, args, world, base, hello)
    if pages:
        mixed = [p for paths in pages.values() for p in paths[:5]]
        load(anonymous, mixed, 3000)
        memory = worker_memory(processes[0].pid)
        print("workers after 3 000 mixed requests: "
              + ", ".join(f"RSS {r} MB (PSS {s} MB, private {p} MB)" for r, s, p in memory)
              + f"; load {os.getloadavg()}")


def measure_exports(client: "Client") -> None:
    for path in ("/opendata/suggestions.csv", "/opendata/suggestions.jsonl", "/opendata/metrics-by-department.csv"):
        firsts = []
        for _ in range(3):
            began = time.perf_counter()
            status, body = client.get(path, limit=65536)
            firsts.append(time.perf_counter() - began)
        print(f"export {path}: first 64 kB in {min(firsts) * 1000:.0f}–{max(firsts) * 1000:.0f} ms (status {status})")


def measure_supports(app, args, world: dict, base: str, hello: list["Client"]) -> None:
    supporters = [Client(base) for _ in range(args.clients)]
    # Each POST supports a different suggestion; a run on kept data takes the next ones.
    first = world.get("runs", 0) * args.clients * SUPPORTS_PER_CLIENT
    targets = world["open_ids"][first:first + args.clients * SUPPORTS_PER_CLIENT]
    with app.app_context():
        before = db.session.scalar(select(func.sum(Suggestion.support_count)).where(Suggestion.id.in_(targets)))
    forms = []
    for k, client in enumerate(supporters):
        client.login(f"139{world['residents'] - k:08d}")
        forms.append({"csrf_token": client.token(f"/suggestions/{targets[k]}")})
    # A hello-world POST takes well under a millisecond: a few hundred of them measured mostly the
    # start and the end of the run (693-2 013/s between runs), so it runs longer, before and after.
    first_hello = load(hello, ["/post"], HELLO_POSTS, method="POST")
    result = load(supporters, [f"/suggestions/{t}/support" for t in targets], len(targets), method="POST", data=forms)
    # The floor under any signed-in form: CSRF check, session, the user's row, a commit that
    # changes nothing (the language already chosen), a redirect. What a support can at best reach.
    floor_forms = [{**form, "locale": "zh_Hans", "next": "/"} for form in forms]
    floor = load(supporters, ["/locale"], len(targets), method="POST", data=floor_forms)
    second_hello = load(hello, ["/post"], HELLO_POSTS, method="POST")
    yardstick = {"rps": (first_hello["rps"] + second_hello["rps"]) / 2}
    with app.app_context():
        after = db.session.scalar(select(func.sum(Suggestion.support_count)).where(Suggestion.id.in_(targets)))
        rows = db.session.scalar(select(func.count()).select_from(Support).where(Support.suggestion_id.in_(targets)))
    print(f"supports: {result['rps']:.0f} POST/s = {result['rps'] / yardstick['rps']:.1%} of hello-world POSTs "
          f"({first_hello['rps']:.0f} and {second_hello['rps']:.0f}/s); p95 {result['p95']:.0f} ms; counts {before} → {after}, "
          f"support rows {rows} ({'exact' if after == rows else 'MISMATCH'}); {result['errors']} errors")
    print(f"signed-in POST that changes nothing (/locale): {floor['rps']:.0f} POST/s = "
          f"{floor['rps'] / yardstick['rps']:.1%} of hello-world POSTs; p95 {floor['p95']:.0f} ms; "
          f"{floor['errors']} errors")


if __name__ == "__main__":
    main()
