"""Compare what should be indexed (from the database) with what is indexed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class VerifyReport:
    missing: list[str] = field(default_factory=list)  # expected, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not expected (e.g. unpublished)
    stale: list[str] = field(default_factory=list)  # in both, fingerprints differ

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    def __str__(self) -> str:
        if self.ok:
            return "index matches: ok"
        return f"missing {len(self.missing)}, extra {len(self.extra)}, stale {len(self.stale)}"


def diff(expected: Mapping[str, str], actual: Mapping[str, str]) -> VerifyReport:
    """``expected``/``actual``: doc_id → fingerprint (``SearchIndex.all_doc_versions()``)."""
    return VerifyReport(
        missing=sorted(set(expected) - set(actual)),
        extra=sorted(set(actual) - set(expected)),
        stale=sorted(d for d in set(expected) & set(actual) if expected[d] != actual[d]),
    )
