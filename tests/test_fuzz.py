"""Every route × every role × malformed input: never a server error.

The routes come from `app.url_map`, so a new route is fuzzed without touching this file. Cases
are drawn from a seed: a new one each run (more ground covered over time) unless FUZZ_SEED is set;
a failure prints the seed and the requests, so `FUZZ_SEED=<seed> pytest tests/test_fuzz.py`
replays them exactly. bench/fuzz.py sends the same families at a running gunicorn.
"""
from __future__ import annotations

import io
import os
import random

import pytest
from werkzeug.datastructures import MultiDict

from tests.fuzzing import Case, cases_for, form_field_names, sample_path
from tests.test_route_matrix import ROLES, client_as, world  # noqa: F401  (the same world the matrix visits)

SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))


def send(client, case: Case):
    if case.json is not None:
        return client.open(case.path, method=case.method, json=case.json)
    data = MultiDict(case.form)
    for name in case.files:
        data.add(name, (io.BytesIO(b"13700000001\n\x00\xff binary"), "hostname"))
    return client.open(case.path, method=case.method, data=data,
                       content_type="multipart/form-data" if case.files else None)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_no_route_answers_malformed_input_with_a_server_error(app, world, role):  # noqa: F811
    users, samples = world
    rng = random.Random(f"{SEED}-{role}")
    failures, sent = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        # A fresh client per route: an earlier route (log out, delete the account) must not
        # change the next one's visitor.
        client = client_as(app, users.get(role))
        names: list[str] = []
        if {"GET", "POST"} <= rule.methods:
            page = client.get(sample_path(rule, samples))
            names = form_field_names(page.get_data(as_text=True)) if page.status_code == 200 else []
        for case in cases_for(rng, rule, samples, names):
            response = send(client, case)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.describe()} ({rule.endpoint})")
    assert sent > 100
    assert failures == [], f"FUZZ_SEED={SEED} role={role or 'anonymous'}: {len(failures)} server errors\n" + \
        "\n".join(failures[:40])
