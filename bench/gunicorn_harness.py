"""A real `gunicorn -w N wsgi:app` on a scratch instance, for the benches that need several workers.

    with Portal(port=5140, workers=4, env={...}) as portal:
        status, body = portal.request("GET", "/search?q=x")

The database is a scratch SQLite file unless `database_url` names one (which is then migrated and
used as it is). The server runs in its own process group so it can be stopped whole.
"""
from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class Portal:
    def __init__(self, port: int, workers: int = 4, env: dict | None = None, database_url: str | None = None,
                 extra_args: tuple[str, ...] = ()):
        self.port, self.workers, self.extra_args = port, workers, extra_args
        self.scratch = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.env = {
            **os.environ,
            "PORTAL_INSTANCE_PATH": str(self.scratch / "instance"),
            "DATABASE_URL": database_url or f"sqlite:///{self.scratch / 'portal.sqlite3'}",
            "SECRET_KEY": secrets.token_hex(16),
            "SEARCH_INDEX_DIR": str(self.scratch / "search-index"),
            **(env or {}),
        }
        self.access_log = self.scratch / "access.log"
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), "--app", "portal", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, check=check)

    def start(self) -> "Portal":
        self.flask("db", "upgrade")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",
             "--graceful-timeout", "5", "--no-control-socket", *self.extra_args, "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.scratch / "gunicorn.log", "w"),
            start_new_session=True)
        deadline = time.monotonic() + 240  # workers load jieba at start: slow on a busy machine
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on port {self.port}; see {self.scratch / 'gunicorn.log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, str, dict]:
        """One request on a fresh connection (so gunicorn may hand it to any worker):
        (status, body, response headers)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            body = urllib.parse.urlencode(form) if form is not None else None
            all_headers = {"Accept-Language": "en", **(headers or {})}
            if body is not None:
                all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, urllib.parse.quote(path, safe="/?=&%:+"), body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
        finally:
            connection.close()

    def pids_that_answered(self) -> set[str]:
        if not self.access_log.exists():
            return set()
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()}

    def __enter__(self) -> "Portal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
