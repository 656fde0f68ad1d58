"""The verifier accepts the honest record and catches every single change to it."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import panel_selection as ps
from panel_selection.__main__ import main

Record = dict[str, Any]


@pytest.fixture
def honest(sel) -> Record:
    """The JSON form of the happy path, as the portal publishes it."""
    return json.loads(json.dumps(sel.honest().to_dict(), ensure_ascii=False))


def test_the_honest_record_verifies(honest):
    report = ps.verify(honest)
    assert report.ok, report.render()
    assert report.problems == ()
    assert report.render().startswith("OK")


def test_json_round_trip_is_lossless(sel):
    record = sel.honest()
    assert ps.SelectionRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


# --- tampering: each entry changes one input or one published value ---------------------------------------

def shift(stamp: str, delta: timedelta) -> str:
    return (datetime.fromisoformat(stamp) + delta).isoformat()


def side_item(items: list[Record], side: str) -> Record:
    return next(item for item in items if item["side"] == side)


def in_shortlist_not_struck(d: Record) -> str:
    o = d["outcome"]
    return next(m for m in o["shortlist"] if m not in o["struck"])


def outside_shortlist(d: Record) -> str:
    return next(m for m in d["outcome"]["order"] if m not in d["outcome"]["shortlist"])


def rehash_pool(d: Record) -> None:
    d["pool_hash"] = ps.pool_hash(ps.PoolMember.from_dict(m) for m in d["pool"])


def add_member_and_rehash(d: Record) -> None:
    d["pool"].append({"id": "m99", "name": "新增委员", "kind": "律师"})
    rehash_pool(d)


def remove_member_and_rehash(d: Record) -> None:
    d["pool"] = [m for m in d["pool"] if m["id"] != outside_shortlist(d)]
    rehash_pool(d)


def rename_member(d: Record) -> None:
    d["pool"][3]["name"] = "王**改"


def swap_commitment_sides(d: Record) -> None:
    for item in d["commitments"]:
        item["side"] = "resident" if item["side"] == "authority" else "authority"


def swap_order(d: Record) -> None:
    order = d["outcome"]["order"]
    order[0], order[1] = order[1], order[0]


def swap_withdrawal_members(d: Record) -> None:
    first, second = d["withdrawals"]
    first["member_id"], second["member_id"] = second["member_id"], first["member_id"]


def swap_withdrawal_list(d: Record) -> None:
    d["withdrawals"].reverse()


def strike_time(side: str, delta: timedelta) -> Callable[[Record], None]:
    def change(d: Record) -> None:
        item = side_item(d["strikes"], side)
        item["recorded_at"] = shift(item["recorded_at"], delta)
    return change


def set_time(items: str, side: str, to: Callable[[Record], str]) -> Callable[[Record], None]:
    def change(d: Record) -> None:
        side_item(d[items], side)["recorded_at"] = to(d)
    return change


def late(deadline: str) -> Callable[[Record], str]:
    return lambda d: shift(d["deadlines"][deadline], timedelta(seconds=1))


def strike_member(side: str, choose: Callable[[Record], str]) -> Callable[[Record], None]:
    def change(d: Record) -> None:
        side_item(d["strikes"], side)["strikes"][0]["member_id"] = choose(d)
    return change


TAMPERS: dict[str, tuple[Callable[[Record], None], str]] = {
    # the frozen pool and the fixed parameters
    "pool member added": (lambda d: d["pool"].append({"id": "m99", "name": "新增", "kind": "律师"}),
                          "pool_hash_mismatch"),
    "pool member removed": (lambda d: d["pool"].pop(), "pool_hash_mismatch"),
    "pool member renamed": (rename_member, "pool_hash_mismatch"),
    "pool member kind changed": (lambda d: d["pool"][0].update(kind="专家学者"), "pool_hash_mismatch"),
    "pool member id changed": (lambda d: d["pool"][0].update(id="m00"), "pool_hash_mismatch"),
    "pool hash replaced": (lambda d: d.update(pool_hash=hashlib.sha256(b"x").hexdigest()), "pool_hash_mismatch"),
    "member added, pool hash recomputed": (add_member_and_rehash, "commitment_mismatch"),
    "member removed, pool hash recomputed": (remove_member_and_rehash, "commitment_mismatch"),
    "hearing ref": (lambda d: d.update(hearing_ref="衢信听〔2025〕9号"), "commitment_mismatch"),
    "hearing date": (lambda d: d.update(hearing_date="2025-03-21"), "commitment_mismatch"),
    "panel size": (lambda d: d.update(panel_size=3), "commitment_mismatch"),
    "strikes per side": (lambda d: d.update(strikes_per_side=2), "commitment_mismatch"),
    "frozen at": (lambda d: d.update(frozen_at=shift(d["frozen_at"], timedelta(minutes=-1))), "commitment_mismatch"),
    "version": (lambda d: d.update(version="panel-selection/v2"), "unsupported_version"),
    "panel size even": (lambda d: d.update(panel_size=4), "panel_size_invalid"),
    "strikes per side too many": (lambda d: d.update(strikes_per_side=3), "strikes_per_side_invalid"),
    # commitments and reveals
    "authority commitment": (lambda d: side_item(d["commitments"], "authority").update(commitment="0" * 64),
                             "commitment_mismatch"),
    "resident commitment": (lambda d: side_item(d["commitments"], "resident").update(commitment="1" * 64),
                            "commitment_mismatch"),
    "commitment not hex": (lambda d: side_item(d["commitments"], "resident").update(commitment="zz"),
                           "commitment_malformed"),
    "commitment sides swapped": (swap_commitment_sides, "commit_out_of_order"),
    "authority secret": (lambda d: side_item(d["reveals"], "authority").update(secret="another secret, chosen late"),
                         "commitment_mismatch"),
    "resident secret": (lambda d: side_item(d["reveals"], "resident").update(secret="我看到对方的秘密之后换了一个新的口令"),
                        "commitment_mismatch"),
    "reveal side": (lambda d: d["reveals"][0].update(side="resident"), "reveal_out_of_order"),
    "reveal duplicated": (lambda d: d["reveals"].append(dict(d["reveals"][0])), "duplicate_reveal"),
    "resident reveal removed": (lambda d: d["reveals"].pop(), "fallback_mismatch"),
    "resident commitment removed": (lambda d: d["commitments"].pop(), "reveal_without_commitment"),
    "authority commits late": (set_time("commitments", "authority", late("authority_commit_by")),
                               "commit_after_deadline"),
    "commit before the pool is frozen": (set_time("commitments", "authority",
                                                  lambda d: shift(d["frozen_at"], timedelta(seconds=-1))),
                                         "commit_before_freeze"),
    "authority reveals before the resident commits": (
        set_time("reveals", "authority", lambda d: side_item(d["commitments"], "authority")["recorded_at"]),
        "reveal_before_all_commits"),
    "resident reveals before the authority": (
        set_time("reveals", "resident", lambda d: shift(side_item(d["reveals"], "authority")["recorded_at"],
                                                        timedelta(seconds=-1))),
        "reveal_out_of_order"),
    "resident reveals late": (set_time("reveals", "resident", late("resident_reveal_by")), "reveal_after_deadline"),
    # strikes
    "strike moved to another name": (strike_member("authority", in_shortlist_not_struck), "panel_mismatch"),
    "strike outside the shortlist": (strike_member("resident", outside_shortlist), "strike_not_in_shortlist"),
    "strike side": (lambda d: side_item(d["strikes"], "authority").update(side="resident"),
                    "strike_out_of_order"),
    "strike reason erased": (lambda d: d["strikes"][0]["strikes"][0].update(reason=""), "strike_reason_missing"),
    "extra strike": (lambda d: d["strikes"][0]["strikes"].append({"member_id": in_shortlist_not_struck(d),
                                                                   "reason": "再划一个"}), "too_many_strikes"),
    "strike removed": (lambda d: d["strikes"][1]["strikes"].clear(), "struck_mismatch"),
    "strike after the deadline": (set_time("strikes", "resident", late("resident_strikes_by")),
                                  "strike_after_deadline"),
    "resident strikes before the authority": (strike_time("resident", timedelta(days=-1, minutes=-1)),
                                              "strike_out_of_order"),
    "strike before the shortlist": (set_time("strikes", "authority",
                                             lambda d: side_item(d["reveals"], "authority")["recorded_at"]),
                                    "strike_before_shortlist"),
    # withdrawals
    "withdrawal order (who withdrew first)": (swap_withdrawal_members, "replacement_mismatch"),
    "withdrawal list reordered": (swap_withdrawal_list, "withdrawals_not_chronological"),
    "withdrawal removed": (lambda d: d["withdrawals"].pop(), "replacement_mismatch"),
    "withdrawal of a non-member": (lambda d: d["withdrawals"][0].update(member_id=outside_shortlist(d)),
                                   "withdrawal_not_on_panel"),
    "withdrawal before the panel was final": (
        lambda d: d["withdrawals"][0].update(recorded_at=side_item(d["reveals"], "resident")["recorded_at"]),
        "withdrawal_before_panel_final"),
    # the published outcome
    "outcome setup hash": (lambda d: d["outcome"].update(setup_hash="2" * 64), "setup_hash_mismatch"),
    "outcome seed": (lambda d: d["outcome"].update(seed="3" * 64), "seed_mismatch"),
    "outcome order": (swap_order, "order_mismatch"),
    "outcome shortlist": (lambda d: d["outcome"]["shortlist"].reverse(), "shortlist_mismatch"),
    "outcome struck": (lambda d: d["outcome"]["struck"].pop(), "struck_mismatch"),
    "outcome panel": (lambda d: d["outcome"]["panel"].__setitem__(0, outside_shortlist(d)), "panel_mismatch"),
    "outcome replacement": (lambda d: d["outcome"]["replacements"][0].update(replacement="m01"),
                            "replacement_mismatch"),
    "outcome final panel": (lambda d: d["outcome"]["final_panel"].reverse(), "final_panel_mismatch"),
    "outcome fallbacks": (lambda d: d["outcome"]["fallbacks"].append({"side": "resident", "code": "no_reveal"}),
                          "fallback_mismatch"),
    "outcome actions hash": (lambda d: d["outcome"].update(actions_hash="4" * 64), "actions_hash_mismatch"),
    "outcome actions hash removed": (lambda d: d["outcome"].pop("actions_hash"), "actions_hash_missing"),
    "outcome missing": (lambda d: d.update(outcome=None), "outcome_missing"),
    # shape
    "key missing": (lambda d: d.pop("deadlines"), "malformed_record"),
    "unknown key": (lambda d: d.update(note="x"), "malformed_record"),
    "naive timestamp": (lambda d: d["reveals"][0].update(recorded_at="2025-03-03T10:00:00"), "malformed_record"),
}
TAMPERS.update({
    f"deadline {name}": ((lambda name: lambda d: d["deadlines"].update(
        {name: shift(d["deadlines"][name], timedelta(seconds=1))}))(name), "commitment_mismatch")
    for name in ps.protocol.DEADLINE_FIELDS
})


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_every_single_tamper_is_detected(honest, name):
    change, expected_code = TAMPERS[name]
    tampered = copy.deepcopy(honest)
    change(tampered)
    assert tampered != honest, "the tamper must change the record"
    report = ps.verify(tampered)
    assert not report.ok
    assert expected_code in report.codes, report.render()


def later(items: str, which: Callable[[list[Record]], Record]) -> Callable[[Record], None]:
    """Move one action a minute later: still inside its window and still before the next action."""
    def change(d: Record) -> None:
        item = which(d[items])
        item["recorded_at"] = shift(item["recorded_at"], timedelta(minutes=1))
    return change


def first(items: list[Record]) -> Record:
    return items[0]


def last(items: list[Record]) -> Record:
    return items[-1]


# Inputs that decide nothing the other outcome fields show: only the actions hash covers them.
UNDECIDING_EDITS: dict[str, Callable[[Record], None]] = {
    "authority's strike reason": lambda d: side_item(d["strikes"], "authority")["strikes"][0].update(
        reason="另一个理由，事后改写"),
    "resident's strike reason": lambda d: side_item(d["strikes"], "resident")["strikes"][0].update(
        reason=side_item(d["strikes"], "resident")["strikes"][0]["reason"] + "。"),
    "withdrawal reason": lambda d: d["withdrawals"][0].update(reason="本人主动回避"),
    "authority's commitment time": later("commitments", first),
    "resident's commitment time": later("commitments", last),
    "authority's reveal time": later("reveals", first),
    "resident's reveal time": later("reveals", last),
    "authority's strike time": later("strikes", first),
    "resident's strike time": later("strikes", last),
    "first withdrawal time": later("withdrawals", first),
    "last withdrawal time": later("withdrawals", last),
}


@pytest.mark.parametrize("name", sorted(UNDECIDING_EDITS))
def test_an_edited_reason_or_time_within_its_window_is_caught_by_the_actions_hash(honest, name):
    tampered = copy.deepcopy(honest)
    UNDECIDING_EDITS[name](tampered)
    assert tampered != honest, "the edit must change the record"
    report = ps.verify(tampered)
    assert report.codes == ["actions_hash_mismatch"], report.render()


def test_the_same_instants_written_in_another_offset_are_not_an_edit(honest):
    for items in ("commitments", "reveals", "strikes", "withdrawals"):
        for item in honest[items]:
            item["recorded_at"] = datetime.fromisoformat(item["recorded_at"]).astimezone(timezone.utc).isoformat()
    assert ps.verify(honest).ok


def test_a_record_published_before_the_actions_hash_loads_and_is_not_confirmed(honest):
    del honest["outcome"]["actions_hash"]
    record = ps.SelectionRecord.from_dict(honest)
    assert record.outcome is not None and record.outcome.actions_hash is None
    assert record.to_dict() == honest  # stored and downloaded unchanged
    report = ps.verify(honest)
    assert report.codes == ["actions_hash_missing"]
    assert "reasons and times cannot be confirmed" in report.render()


def test_actions_hash_covers_refused_actions_too(honest):
    """A refused action is still a published input: editing its content must show."""
    honest["reveals"].append(dict(honest["reveals"][0]))  # a duplicate reveal, refused by the rules
    honest["outcome"]["actions_hash"] = ps.SelectionRecord.from_dict(honest).actions_hash()
    assert ps.verify(honest).codes == ["duplicate_reveal"]
    honest["reveals"][-1]["secret"] += "改"
    assert "actions_hash_mismatch" in ps.verify(honest).codes


def test_every_problem_message_names_its_input(honest):
    tampered = copy.deepcopy(honest)
    side_item(tampered["reveals"], "resident")["secret"] = "我看到对方的秘密之后换了一个新的口令"
    problem = next(p for p in ps.verify(tampered).problems if p.code == "commitment_mismatch")
    assert problem.message.startswith("reveals[1]:")


def test_verify_with_now_flags_an_unfinished_selection(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    report = ps.verify(record, now=sel.STRIKE_AT["authority"])
    assert "selection_not_final" in report.codes
    assert "recorded_in_future" in ps.verify(sel.honest(), now=sel.T0 + sel.HOUR).codes
    assert ps.verify(sel.honest(), now=sel.T0 + 30 * sel.DAY).ok


# --- the audit page -----------------------------------------------------------------------------------

def test_steps_describe_the_whole_selection(sel):
    codes = [step.code for step in ps.steps(sel.honest())]
    assert codes == ["pool_frozen", "setup", "committed", "committed", "revealed", "revealed", "seed", "order",
                     "shortlist", "strikes", "strikes", "panel", "withdrawal", "withdrawal", "final_panel"]


def test_steps_show_a_selection_in_progress_and_its_fallbacks(sel):
    record = sel.run(sel.start(), commits=("authority",), reveals=(), authority_strikes=None,
                     resident_strikes=None, publish=False)
    codes = [step.code for step in ps.steps(record, now=sel.STRIKE_AT["authority"] + sel.DAY * 2)]
    assert "commit_defaulted" in codes and "reveal_withheld" in codes and "strikes_forfeited" in codes
    assert "strikes_lapsed" in codes and "final_panel" in codes
    early = [step.code for step in ps.steps(record, now=sel.T0 + sel.HOUR * 2)]
    assert early == ["pool_frozen", "setup", "committed", "commit_pending"]


def test_steps_list_refused_actions(honest):
    side_item(honest["reveals"], "resident")["secret"] = "我看到对方的秘密之后换了一个新的口令"
    record = ps.SelectionRecord.from_dict(honest)
    assert "refused_action" in [step.code for step in ps.steps(record)]


def test_the_final_step_shows_the_published_actions_hash(sel):
    record = sel.honest()
    final = ps.steps(record)[-1]
    assert final.code == "final_panel"
    assert final.data["actions_hash"] == record.outcome.actions_hash
    assert record.outcome.actions_hash in final.text


def test_steps_data_is_json_serialisable(sel):
    json.dumps([step.data for step in ps.steps(sel.honest())], ensure_ascii=False)


# --- the command line ----------------------------------------------------------------------------------

def write(tmp_path, data: Any) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_cli_verify_exits_0_for_a_valid_record(tmp_path, honest, capsys):
    assert main(["verify", write(tmp_path, honest)]) == 0
    assert capsys.readouterr().out.startswith("OK")


def test_the_cli_prints_the_actions_hash_of_a_valid_record(tmp_path, honest, capsys):
    assert main(["verify", write(tmp_path, honest)]) == 0
    assert f"Actions SHA-256: {honest['outcome']['actions_hash']}" in capsys.readouterr().out


def test_cli_verify_exits_1_and_lists_problems(tmp_path, honest, capsys):
    honest["outcome"]["seed"] = "3" * 64
    assert main(["verify", write(tmp_path, honest)]) == 1
    assert "[seed_mismatch]" in capsys.readouterr().out


def test_cli_verify_exits_2_for_unreadable_files(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["verify", str(path)]) == 2
    assert main(["verify", str(tmp_path / "missing.json")]) == 2


def test_cli_steps(tmp_path, honest, capsys):
    assert main(["steps", write(tmp_path, honest)]) == 0
    assert "final_panel:" in capsys.readouterr().out


# --- the published test vector ---------------------------------------------------------------------------

def test_the_documented_example_still_verifies_and_is_reproduced(sel):
    """docs/panel-selection-example.json is the test vector for re-implementations: it must verify and be
    exactly what the code produces, so the hashing cannot drift unnoticed."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / "panel-selection-example.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert ps.verify(data).ok
    assert data == sel.run(sel.start(), withdrawals=(2,)).to_dict()
    assert data["outcome"]["seed"] == "9e825d64920ddb834a2ce5ce272f07219508ad8d3a7ea8679f920b871a30c6b8"
