"""Department routing: which department handled the suggestions most like this one?

A score-weighted vote of the ``k`` nearest published suggestions (see similar.py). The
confidence of a department is its share of the total vote, so confidences sum to 1 and a
split vote shows up as low confidence — the office should then route by hand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import SearchIndex

# Votes grow faster than scores: the closest neighbours should dominate a crowd of
# loosely related ones. Measured on the shared messages (leave-one-out), see README.
SCORE_EXPONENT = 2.0


def suggest_department(
    index: SearchIndex, text: str, k: int = 15, exclude_object_ids: Collection[int] = ()
) -> list[tuple[str, float]]:
    """[(department slug, confidence 0..1)], most likely first; [] if nothing is similar."""
    votes: Counter[str] = Counter()
    for hit in index.neighbours(text, k, exclude_object_ids=exclude_object_ids):
        department = hit.fields.get("department")
        if department and hit.score:
            votes[department] += hit.score**SCORE_EXPONENT
    total = sum(votes.values())
    if not total:
        return []
    return [(dept, weight / total) for dept, weight in sorted(votes.items(), key=lambda i: (-i[1], i[0]))]


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    # label → {"total": n, "correct": n, "accuracy": x}
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _get(message: Any, name: str) -> Any:
    return message[name] if isinstance(message, dict) else getattr(message, name)


def evaluate(
    index: SearchIndex,
    messages: Iterable[Any],
    label_of: Callable[[Any], str],
    k: int = 15,
) -> Evaluation:
    """Route each message (dict or object with id, title, body) and compare to ``label_of``.

    Each message is excluded from its own neighbours by ``id`` (= the indexed object_id),
    so a message already in the index cannot vote for itself.
    """
    result = Evaluation()
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for message in messages:
        expected = label_of(message)
        text = f"{_get(message, 'title')}\n{_get(message, 'body')}"
        ranked = suggest_department(index, text, k=k, exclude_object_ids=(int(_get(message, "id")),))
        hit = bool(ranked) and ranked[0][0] == expected
        result.total += 1
        result.correct += hit
        table[expected]["total"] += 1
        table[expected]["correct"] += hit
    result.per_label = {
        label: {"total": c["total"], "correct": c["correct"], "accuracy": c["correct"] / c["total"]}
        for label, c in sorted(table.items())
    }
    return result
