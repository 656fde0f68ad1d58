"""The hashed strings and the draw, checked against the spelling in docs/panel-selection.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

import panel_selection as ps
from panel_selection import protocol


def test_pool_json_is_canonical_and_its_hash_is_sha256_of_it():
    pool = [ps.PoolMember("b2", "李**", "律师"), ps.PoolMember(7, "王**", "人大代表")]
    expected = '[{"id":"7","kind":"人大代表","name":"王**"},{"id":"b2","kind":"律师","name":"李**"}]'
    assert ps.canonical_pool_json(pool) == expected.encode("utf-8")
    assert ps.pool_hash(pool) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_pool_hash_ignores_list_order_but_not_content(sel):
    pool = sel.pool(12)
    shuffled = list(pool)
    random.Random(1).shuffle(shuffled)
    assert ps.pool_hash(shuffled) == ps.pool_hash(pool)
    renamed = [ps.PoolMember(m.id, m.name + "x", m.kind) if m.id == "m03" else m for m in pool]
    assert ps.pool_hash(renamed) != ps.pool_hash(pool)


def test_commitment_is_sha256_of_the_documented_string(sel):
    record = sel.start()
    setup = record.setup_hash()
    text = f"panel-selection/v1|commit|{record.hearing_ref}|resident|{setup}|{sel.RESIDENT_SECRET}"
    assert record.commitment_for("resident", sel.RESIDENT_SECRET) == hashlib.sha256(text.encode()).hexdigest()


def test_actions_hash_is_sha256_of_the_documented_json_of_the_published_actions():
    """Recomputed from the published test vector alone, the way docs/panel-selection.md spells it."""
    data = json.loads((Path(__file__).resolve().parents[2] / "docs" / "panel-selection-example.json")
                      .read_text(encoding="utf-8"))

    def in_utc(items):
        return [{**item, "recorded_at": datetime.fromisoformat(item["recorded_at"]).astimezone(timezone.utc)
                 .strftime("%Y-%m-%dT%H:%M:%S.%fZ")} for item in items]

    hashed = {"version": "panel-selection/v1", "setup_hash": data["outcome"]["setup_hash"],
              **{name: in_utc(data[name]) for name in ("commitments", "reveals", "strikes", "withdrawals")}}
    text = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == data["outcome"]["actions_hash"]


def test_actions_hash_binds_the_setup(sel):
    """The same actions under another setup (here another hearing) hash differently."""
    record = sel.run(sel.start(), publish=False)
    assert record.actions_hash() != ps.record.replace(record, hearing_ref="衢信听〔2025〕8号").actions_hash()


def test_commitment_differs_per_side_and_per_hearing(sel):
    one, other = sel.start(), sel.start(hearing_ref="衢信听〔2025〕8号")
    secret = sel.RESIDENT_SECRET
    assert one.commitment_for("resident", secret) != one.commitment_for("authority", secret)
    assert one.commitment_for("resident", secret) != other.commitment_for("resident", secret)


def test_setup_hash_binds_panel_size_and_pool(sel):
    base = sel.start().setup_hash()
    assert sel.start(panel_size=3).setup_hash() != base
    assert sel.start(strikes_per_side=2).setup_hash() != base
    assert sel.start(pool_size=13).setup_hash() != base


def test_order_sorts_by_hmac_of_id():
    seed = hashlib.sha256(b"example").hexdigest()
    ids = ["a", "b", "c", "d"]
    keys = {i: hmac.new(bytes.fromhex(seed), i.encode(), hashlib.sha256).hexdigest() for i in ids}
    assert ps.order_pool(seed, ids) == sorted(ids, key=keys.__getitem__)
    assert ps.order_pool(seed, reversed(ids)) == ps.order_pool(seed, ids)


def test_new_secret_is_256_random_bits_in_hex():
    first, second = ps.new_secret(), ps.new_secret()
    assert len(first) == 64 and int(first, 16) >= 0 and first != second
    ps.check_secret(first)


@pytest.mark.parametrize("secret", ["", "short", "x" * 15, "x" * 257, " leading-space-secret", "trailing-space-sec ",
                                    "tab\tinside-the-secret", 12345678901234567])
def test_bad_secrets_are_refused(secret):
    with pytest.raises(ps.InvalidSecret):
        ps.check_secret(secret)


@pytest.mark.parametrize("secret", ["x" * 16, "x" * 256, "我们一起公平地选听证员 2025 春", "with inner spaces ok!"])
def test_good_secrets_pass(secret):
    ps.check_secret(secret)


@pytest.mark.parametrize("panel_size", [1, 2, 4, 6, 8, 9, 0, -3, True, "5", 5.0])
def test_panel_size_must_be_3_5_or_7(sel, panel_size):
    with pytest.raises(ps.InvalidSetup) as error:
        sel.start(panel_size=panel_size)
    assert error.value.code == "panel_size_invalid"


@pytest.mark.parametrize("strikes", [-1, 3, 10, True, "1"])
def test_strikes_per_side_must_be_0_1_or_2(sel, strikes):
    with pytest.raises(ps.InvalidSetup) as error:
        sel.start(strikes_per_side=strikes)
    assert error.value.code == "strikes_per_side_invalid"


@pytest.mark.parametrize(("panel_size", "strikes", "pool_size"), [(3, 0, 2), (5, 1, 6), (7, 2, 10)])
def test_pool_smaller_than_the_shortlist_cannot_start(sel, panel_size, strikes, pool_size):
    with pytest.raises(ps.PoolTooSmall) as error:
        sel.start(pool_size=pool_size, panel_size=panel_size, strikes_per_side=strikes)
    assert (error.value.code, error.value.needed) == ("pool_too_small", panel_size + 2 * strikes)


def test_pool_exactly_the_shortlist_size_starts(sel):
    assert len(sel.start(pool_size=11, panel_size=7, strikes_per_side=2).pool) == 11


@pytest.mark.parametrize("hearing_ref", ["", "a|b", " padded", "x" * 65, "line\nbreak"])
def test_hearing_ref_rules(sel, hearing_ref):
    with pytest.raises(ps.InvalidSetup) as error:
        sel.start(hearing_ref=hearing_ref)
    assert error.value.code == "hearing_ref_invalid"


def test_duplicate_pool_ids_are_refused(sel):
    pool = sel.pool(12) + [ps.PoolMember("m01", "重复", "律师")]
    with pytest.raises(ps.InvalidSetup) as error:
        sel.start(pool=pool)
    assert error.value.code == "duplicate_pool_member"


def test_deadlines_must_increase(sel):
    good = ps.Deadlines.spaced(sel.T0 + sel.DAY, sel.DAY)
    swapped = ps.Deadlines(good.authority_commit_by, good.authority_reveal_by, good.resident_commit_by,
                           good.resident_reveal_by, good.authority_strikes_by, good.resident_strikes_by)
    with pytest.raises(ps.InvalidSetup) as error:
        ps.start_selection(hearing_ref="H-1", hearing_date=date(2025, 3, 20), panel_size=5, strikes_per_side=1,
                           pool=sel.pool(12), frozen_at=sel.T0, deadlines=swapped)
    assert error.value.code == "deadlines_out_of_order"


def test_shortlist_membership_is_roughly_uniform():
    """Each of 12 members should make a shortlist of 7 in 7/12 of draws, and come first in 1/12."""
    ids = [f"m{i:02d}" for i in range(12)]
    draws = 3000
    in_shortlist: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for i in range(draws):
        order = protocol.order_pool(protocol.sha256_hex(f"seed {i}"), ids)
        in_shortlist.update(order[:7])
        first[order[0]] += 1
    for member_id in ids:
        # Expected 1750 ± 27 (one standard deviation) and 250 ± 15: bounds of about six deviations.
        assert 1590 <= in_shortlist[member_id] <= 1910, (member_id, in_shortlist[member_id])
        assert 160 <= first[member_id] <= 340, (member_id, first[member_id])
