"""The analyzer: what gets indexed and what a query looks for."""

from __future__ import annotations

import pickle

from search_index.analysis import ChineseAnalyzer, analyze, to_simplified
from search_index.schema import build_schema


def test_traditional_script_is_folded_into_simplified() -> None:
    assert analyze("公積金") == analyze("公积金") == ["公积金"]
    assert to_simplified("答覆與瞭解") == "答复与了解"


def test_simplified_text_comes_back_unchanged() -> None:
    text = "希望简化住房公积金提取流程，减少群众跑腿。"
    assert to_simplified(text) == text


def test_query_mode_gives_accurate_words_only() -> None:
    assert analyze("住房公积金", mode="query") == ["住房", "公积金"]


def test_index_mode_adds_sub_words_at_the_parent_position() -> None:
    tokens = [
        (t.text, t.pos)
        for t in ChineseAnalyzer()("公积金中心", positions=True, mode="index")
    ]
    assert ("公积金", 0) in tokens and ("公积", 0) in tokens and ("中心", 1) in tokens


def test_positions_are_consecutive_words_so_phrases_work() -> None:
    positions = [t.pos for t in ChineseAnalyzer()("建筑公司拖欠工资", positions=True, mode="query")]
    assert positions == list(range(len(positions)))


def test_english_is_lower_cased_and_stemmed_and_punctuation_dropped() -> None:
    assert analyze("Parking, PARKS!") == ["park", "park"]


def test_schema_with_its_analyzer_survives_pickling() -> None:
    # Whoosh pickles the schema into the index; opening an index unpickles it.
    schema = pickle.loads(pickle.dumps(build_schema()))
    assert [t.text for t in schema["title"].analyzer("公積金", mode="query")] == ["公积金"]
