"""Work that runs after a commit, off the request thread: mail, one-time codes, the search index.

A request that committed hands its slow work (an SMTP conversation, an SMS gateway call) to a
background thread of its process and answers at once. So a slow mail server does not slow the
portal, and a request that sends something (a password reset for an existing account) takes the
same time as one that sends nothing (an unknown account): the timing tells nobody which accounts
exist.

- `Worker` is the thread itself: one per app and process (a forked gunicorn worker starts its
  own), woken with a ticket, leaving when idle so short-lived apps (tests, CLI commands) keep no
  threads. The search index's sync thread (portal.services.search_sync) is one.
- `JobRunner` is a worker with a queue: `submit(app, function, *args)` after the commit. Each job
  runs in an app context; a failure is logged (with the job's `failure` text), never raised: the
  change it belongs to is committed already.
- JOBS_WAIT (tests): the committing request waits until its jobs ran, so a test reads the mail
  log or the gateway's inbox right after the request. Production leaves it off.

Jobs live in memory: a process that dies with queued jobs loses them (a code can be sent again,
and mail notices are also in-portal notices). When the process exits normally, queued jobs finish
first (up to WAIT_TIMEOUT).
"""
from __future__ import annotations

import abc
import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0  # a worker thread with nothing to do for this long leaves; the next wake restarts it
WAIT_TIMEOUT = 120.0  # the longest a waiting request (JOBS_WAIT, SEARCH_SYNC_WAIT) or the exit waits


class Worker(abc.ABC):
    """A background thread that runs `turn()` whenever it is woken, one turn at a time."""

    thread_name = "worker"
    extension_key = ""  # where `of(app)` keeps the app's one instance

    def __init__(self, app: Flask):
        self.app = app
        self._cond = threading.Condition()
        self._requested = self._done = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        _started.append(self)
        _register_exit_wait()

    @classmethod
    def of(cls, app: Flask):
        """The app's one worker of this kind in this process, created on first use."""
        with _lock:
            found = app.extensions.get(cls.extension_key)
            if found is None:
                found = app.extensions[cls.extension_key] = cls(app)
            return found

    @abc.abstractmethod
    def turn(self) -> None:
        """One round of work; runs on the worker's thread, in an app context."""

    def turn_failed(self, error: Exception) -> None:
        """A turn raised: log it; the thread goes on with the next turn."""
        log.exception("%s: a background turn failed", self.thread_name, exc_info=error)

    def wake(self) -> int:
        """Ask for a turn; returns a ticket `wait` can wait for."""
        with self._cond:
            self._requested += 1
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return self._requested

    def wait(self, ticket: int, timeout: float = WAIT_TIMEOUT) -> bool:
        """Whether a turn that started after `ticket` was issued has finished (within `timeout`)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._done >= ticket, timeout)

    def wait_idle(self, timeout: float = WAIT_TIMEOUT) -> bool:
        """Wait for every turn asked for so far."""
        with self._cond:
            ticket = self._requested
        return self.wait(ticket, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: self._requested > self._done, IDLE_SECONDS):
                    self._thread = None
                    return
                target = self._requested
            try:
                with self.app.app_context():
                    self.turn()
            except Exception as error:  # the work belongs to a committed change: log, never lose the thread
                self.turn_failed(error)
            with self._cond:
                self._done = max(self._done, target)
                self._cond.notify_all()


@dataclass(frozen=True)
class Job:
    function: Callable[..., Any]
    args: tuple
    failure: str  # what the log says when it raises, e.g. "could not send mail to a@example.cn"


class JobRunner(Worker):
    """A worker with a queue of jobs, run in the order they were submitted."""

    thread_name = "jobs"
    extension_key = "job_runner"

    def __init__(self, app: Flask):
        super().__init__(app)
        self._jobs: deque[Job] = deque()

    def submit(self, job: Job) -> int:
        with self._cond:
            self._jobs.append(job)
        return self.wake()

    def turn(self) -> None:
        while True:
            with self._cond:
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            try:
                job.function(*job.args)
            except Exception:  # an outage must not fail the committed request; the log tells operators
                log.exception(job.failure)


_lock = threading.Lock()
_started: list[Worker] = []  # every worker of the process, for the wait at exit
_exit_wait_registered = False


def runner(app: Flask) -> JobRunner:
    """The app's job runner in this process."""
    return JobRunner.of(app)


def submit(function: Callable[..., Any], *args: Any, failure: str) -> None:
    """Run `function(*args)` on the app's job thread (call it after the commit, in an app context).

    Without an app context (a bare script) the job runs here and now, failures logged the same.
    """
    if not has_app_context():
        try:
            function(*args)
        except Exception:
            log.exception(failure)
        return
    app = current_app._get_current_object()
    job_runner = runner(app)
    ticket = job_runner.submit(Job(function, args, failure))
    if app.config.get("JOBS_WAIT"):
        job_runner.wait(ticket)


def _register_exit_wait() -> None:
    global _exit_wait_registered
    if not _exit_wait_registered:
        _exit_wait_registered = True
        atexit.register(_finish_jobs)


def _finish_jobs() -> None:
    """A command (demo load, import) that committed leaves with its jobs done, if it can be."""
    for worker in list(_started):
        if worker._pid == os.getpid():  # a forked child does not wait for its parent's thread
            worker.wait_idle(WAIT_TIMEOUT)


def finish(app: Flask, timeout: float = WAIT_TIMEOUT) -> None:
    """Wait for `app`'s background turns and forget its workers (an app being shut down: tests)."""
    for worker in [w for w in _started if w.app is app]:
        if worker._pid == os.getpid():
            worker.wait_idle(timeout)
        _started.remove(worker)
