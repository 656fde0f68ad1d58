"""Randomly generated selections (fixed seed, so failures reproduce) keep the protocol's invariants."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

import panel_selection as ps
from panel_selection import AUTHORITY, RESIDENT

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 听证员公平选择春夏秋冬-_!"


def random_secret(rng: random.Random) -> str:
    body = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(16, 80)))
    return body.strip().ljust(16, "x")


def random_selection(sel, rng: random.Random) -> tuple[ps.SelectionRecord, dict]:
    n, k = rng.choice(ps.protocol.PANEL_SIZES), rng.choice(ps.protocol.STRIKES_PER_SIDE)
    pool = sel.pool(n + 2 * k + rng.randint(0, 8), start=rng.randint(1, 50))
    behaviour = {
        "commits": tuple(s for s in ps.SIDES if rng.random() < 0.85),
        "reveals": tuple(s for s in ps.SIDES if rng.random() < 0.85),
        "authority_strikes": None if rng.random() < 0.2 else tuple(rng.sample(range(n + 2 * k), rng.randint(0, k))),
        "resident_strikes": None if rng.random() < 0.2 else tuple(rng.sample(range(n + 2 * k), rng.randint(0, k))),
        "secrets": {AUTHORITY: ps.new_secret() if rng.random() < 0.5 else random_secret(rng),
                    RESIDENT: random_secret(rng)},
    }
    record = sel.run(sel.start(pool=pool, panel_size=n, strikes_per_side=k), **behaviour)
    for number in range(rng.randint(0, 4)):
        at = sel.AFTER_DEADLINES + (number + 1) * sel.HOUR
        panel = ps.phase(record, at).panel
        if panel:
            record = ps.record_withdrawal(record, rng.choice(panel), "回避", at)
    return record, behaviour


CASES = 80


@pytest.fixture(scope="module")
def selections(sel):
    rng = random.Random(20250301)  # built once per module: every test below checks the same records
    return [random_selection(sel, rng) for _ in range(CASES)]


def test_random_selections_verify(selections):
    for record, _ in selections:
        report = ps.verify(json.loads(json.dumps(record.to_dict(), ensure_ascii=False)))
        assert report.ok, report.render()
        assert report.outcome == record.outcome


def test_random_selections_round_trip_through_json(selections):
    for record, _ in selections:
        assert ps.SelectionRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_outcome_does_not_depend_on_the_order_of_the_pool(selections):
    rng = random.Random(7)
    for record, _ in selections:
        pool = list(record.pool)
        rng.shuffle(pool)
        assert ps.compute(ps.record.replace(record, pool=tuple(pool))) == record.outcome


def test_panel_invariants(selections):
    for record, behaviour in selections:
        o, n, k = record.outcome, record.panel_size, record.strikes_per_side
        assert sorted(o.order) == sorted(m.id for m in record.pool)
        assert o.shortlist == o.order[: n + 2 * k]
        assert set(o.struck) <= set(o.shortlist) and len(o.struck) <= 2 * k
        assert o.panel == tuple(m for m in o.shortlist if m not in o.struck)[:n]
        withdrawn = {r.withdrawn for r in o.replacements}
        assert not withdrawn & set(o.final_panel)
        assert not set(o.struck) & set(o.final_panel)
        assert len(set(o.final_panel)) == len(o.final_panel) == n - sum(r.replacement is None for r in o.replacements)
        fallbacks = {(f.side, f.code) for f in o.fallbacks}
        for side in ps.SIDES:
            assert ((side, "no_commit") in fallbacks) == (side not in behaviour["commits"])
            withheld = side in behaviour["commits"] and side not in behaviour["reveals"]
            assert ((side, "no_reveal") in fallbacks) == withheld
            assert ((side, "strikes_forfeited") in fallbacks) == (withheld and k > 0)


def test_any_change_to_a_published_list_is_detected(selections):
    rng = random.Random(11)
    for record, _ in selections:
        data = record.to_dict()
        name = rng.choice(["order", "shortlist", "panel"])
        values = data["outcome"][name]
        i, j = rng.sample(range(len(values)), 2)
        values[i], values[j] = values[j], values[i]
        assert not ps.verify(data).ok


def test_the_generated_records_cover_every_fallback_and_replacement(selections):
    seen = {(f.side, f.code) for record, _ in selections for f in record.outcome.fallbacks}
    assert seen == {(side, code) for side in ps.SIDES
                    for code in ("no_commit", "no_reveal", "strikes_forfeited", "strikes_lapsed")}
    replacements = [r for record, _ in selections for r in record.outcome.replacements]
    assert any(r.replacement is None for r in replacements) and any(r.replacement for r in replacements)


def test_any_change_to_a_revealed_secret_is_detected(selections):
    rng = random.Random(13)
    for record, _ in selections:
        if not record.reveals:
            continue
        data = record.to_dict()
        reveal = rng.choice(data["reveals"])
        position = rng.randrange(len(reveal["secret"]))
        replacement = "Q" if reveal["secret"][position] != "Q" else "R"
        reveal["secret"] = reveal["secret"][:position] + replacement + reveal["secret"][position + 1:]
        assert "commitment_mismatch" in ps.verify(data).codes


# --- every single input -----------------------------------------------------------------------------------

def leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) in a JSON value that is not itself an object or a list."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def list_items(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, int]]:
    """(path of the list, index) for every item of every list in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from list_items(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield path, index
            yield from list_items(item, (*path, index))


def other_value(value: Any) -> Any:
    """A different value of the same kind, still well formed where that is simple (a time stays a time)."""
    if value is None:  # an empty seat
        return "m01"
    if isinstance(value, int):
        return value + 1
    if ps.protocol.is_sha256_hex(value):
        return ("1" if value[0] != "1" else "2") + value[1:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value + "·"
    if moment.tzinfo is None:
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    return (moment + timedelta(seconds=1)).isoformat()


def at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def varied(sel, selections) -> list[ps.SelectionRecord]:
    """The honest record and a few random ones that together hold every fallback, an empty seat and each k."""
    chosen, seen = [sel.honest()], set()
    for record, _ in selections:
        features = {(f.side, f.code) for f in record.outcome.fallbacks} | {("k", record.strikes_per_side)}
        features |= {("empty seat",) for r in record.outcome.replacements if r.replacement is None}
        if features - seen:
            chosen.append(record)
            seen |= features
    return chosen


def test_changing_any_single_value_or_removing_any_list_item_is_detected(sel, selections):
    """Walks the JSON record itself, so a field added later is covered without touching this test."""
    undetected = []
    for number, record in enumerate(varied(sel, selections)):
        honest = record.to_dict()
        assert ps.verify(honest).ok
        for path, value in leaves(honest):
            tampered = copy.deepcopy(honest)
            at(tampered, path[:-1])[path[-1]] = other_value(value)
            if ps.verify(tampered).ok:
                undetected.append((number, "changed", path))
        for path, index in list_items(honest):
            tampered = copy.deepcopy(honest)
            del at(tampered, path)[index]
            if ps.verify(tampered).ok:
                undetected.append((number, "removed", path, index))
    assert undetected == []
