"""Department routing: which department handles matters like this one?

Two opinions, each a share per department that sums to 1:

- the suggestions: a score-weighted vote of the ``k`` nearest published suggestions (see
  similar.py), each for the department that handled it;
- the responsibilities: how close the text is to each department's published list of the
  matters it handles (职责清单), as tf-idf cosine, the idf taken over those lists.

The hint is ``1 − RESPONSIBILITY_WEIGHT`` of the first plus ``RESPONSIBILITY_WEIGHT`` of the
second, or whichever one has an opinion alone: a new portal with no history routes by
responsibilities only. Confidences sum to 1, so a split shows up as low confidence and the
office should then route by hand.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .analysis import index_grams, index_terms, is_edge_gram, query_terms
from .similar import MAX_DRAFT_CHARS

if TYPE_CHECKING:
    from .store import SearchIndex

# Votes grow faster than scores: the closest neighbours should dominate a crowd of
# loosely related ones. Measured on the shared messages (leave-one-out), see README.
SCORE_EXPONENT = 2.0
# Leave-one-out on the shared messages (bench/routing_catalogue_eval.py): suggestions alone
# 0.801, responsibilities alone 0.764, mixed at 0.2 / 0.3 / 0.5: 0.830 / 0.836 / 0.824.
RESPONSIBILITY_WEIGHT = 0.3


def suggest_department(
    index: SearchIndex, text: str, k: int = 15, exclude_object_ids: Collection[int] = (),
    responsibilities: Mapping[str, str] | None = None,
) -> list[tuple[str, float]]:
    """[(department slug, confidence 0..1)], most likely first; [] if neither opinion has one.

    ``responsibilities``: department slug → the matters it handles, as words and phrases.
    """
    votes: Counter[str] = Counter()
    for hit in index.neighbours(text, k, exclude_object_ids=exclude_object_ids):
        department = hit.fields.get("department")
        if department and hit.score:
            votes[department] += hit.score**SCORE_EXPONENT
    opinions = [(1 - RESPONSIBILITY_WEIGHT, _shares(votes))]
    if responsibilities:
        model = _responsibility_model(tuple(sorted(responsibilities.items())))
        opinions.append((RESPONSIBILITY_WEIGHT, _shares(model.similarities(text))))
    opinions = [(weight, shares) for weight, shares in opinions if shares]
    total_weight = sum(weight for weight, _ in opinions)
    mixed: Counter[str] = Counter()
    for weight, shares in opinions:
        for department, share in shares.items():
            mixed[department] += weight / total_weight * share
    return sorted(mixed.items(), key=lambda item: (-item[1], item[0]))


def _shares(scores: Mapping[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {key: value / total for key, value in scores.items() if value > 0} if total > 0 else {}


def _features(words: Iterable[str], grams: Iterable[str]) -> Counter[str]:
    """Words and character bigrams (not edge grams: they say where punctuation stands)."""
    counts: Counter[str] = Counter("w:" + word for word in words if len(word) > 1)
    counts.update("g:" + gram for gram in grams if len(gram) > 1 and not is_edge_gram(gram))
    return counts


class ResponsibilityModel:
    """Each department's responsibilities as a unit tf-idf vector; idf over the departments,
    so a word every department lists (服务, 管理) counts for little."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        counts = {slug: _features(index_terms(text), index_grams(text)) for slug, text in texts.items()}
        frequency: Counter[str] = Counter()
        for features in counts.values():
            frequency.update(features.keys())
        self.idf = {feature: math.log((1 + len(counts)) / (1 + df)) + 1 for feature, df in frequency.items()}
        self.vectors = {slug: self._vector(features) for slug, features in counts.items()}

    def _vector(self, counts: Mapping[str, float]) -> dict[str, float]:
        vector = {feature: (1 + math.log(count)) * self.idf[feature]
                  for feature, count in counts.items() if feature in self.idf}
        norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
        return {feature: value / norm for feature, value in vector.items()}

    def similarities(self, text: str) -> dict[str, float]:
        """Department slug → cosine of ``text`` with its responsibilities (0 if nothing shared)."""
        text = text[:MAX_DRAFT_CHARS]  # as similar.py: a long paste costs no more than a long draft
        query = self._vector(_features(query_terms(text), index_grams(text)))
        return {slug: sum(value * vector.get(feature, 0.0) for feature, value in query.items())
                for slug, vector in self.vectors.items()}


@lru_cache(maxsize=8)
def _responsibility_model(items: tuple[tuple[str, str], ...]) -> ResponsibilityModel:
    # Keyed on the texts themselves: an administrator's edit makes a new model.
    return ResponsibilityModel(dict(items))


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
    responsibilities: Mapping[str, str] | None = None,
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
        ranked = suggest_department(index, text, k=k, exclude_object_ids=(int(_get(message, "id")),),
                                    responsibilities=responsibilities)
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
