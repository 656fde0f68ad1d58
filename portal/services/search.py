"""What the portal asks of the search index besides the search page: similar suggestions while a
resident drafts, and a routing hint (the likely lead department) for the office's dispatch page.

Both learn only from the index, i.e. from public suggestions, and both degrade to "nothing to
say" when the index is unavailable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Department, Suggestion
from portal.services.search_sync import get_index
from search_index import suggest_department

MAX_DRAFT_CHARS = 5000


@dataclass(frozen=True)
class SimilarSuggestion:
    id: int
    title: str  # masked, as indexed
    status: str
    url_path: str  # fallback when the public suggestion page is not there


def similar_suggestions(text: str, limit: int = 5, exclude_id: Optional[int] = None) -> list[SimilarSuggestion]:
    """Public suggestions most like a draft (title and text), best first; [] when none or no index.

    For the submit form: ``similar=similar_suggestions(f"{title}\\n{problem}\\n{measures}")`` and
    ``{% include "search/_similar.html" %}`` in the template.
    """
    text = (text or "").strip()[:MAX_DRAFT_CHARS]
    if not text:
        return []
    exclude = [f"suggestion:{exclude_id}"] if exclude_id is not None else []
    hits = get_index().similar(text, limit=limit, exclude_doc_ids=exclude)
    return [SimilarSuggestion(id=int(hit.object_id), title=hit.title, status=hit.status or "",
                              url_path=hit.url_path) for hit in hits if hit.object_id is not None]


# Below this confidence the hint is shown as a weak lead and the dispatch form does not act on it.
USEFUL_CONFIDENCE = 0.5


@dataclass(frozen=True)
class RoutingHint:
    department: Department
    confidence: float  # 0..1: this department's share of the similar suggestions' vote
    alternatives: tuple[tuple[Department, float], ...] = ()

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def useful(self) -> bool:
        """Confident enough to pre-select: one department clearly leads the vote."""
        return self.confidence >= USEFUL_CONFIDENCE


def draft_text(suggestion: Suggestion) -> str:
    return "\n".join(part for part in (suggestion.title, suggestion.problem, suggestion.measures) if part)


def route_text(session: Session, text: str, exclude_ids: tuple[int, ...] = (), k: int = 15) -> list[tuple[Department, float]]:
    """Departments that handle matters like `text` (the suggestions they handled, their listed
    responsibilities), with confidences, best first."""
    by_slug = {d.slug: d for d in session.scalars(
        select(Department).where(Department.active.is_(True), Department.is_office.is_(False)))}
    responsibilities = {slug: d.responsibilities for slug, d in by_slug.items() if d.responsibilities}
    ranked = suggest_department(get_index(), text, k=k, exclude_object_ids=exclude_ids,
                                responsibilities=responsibilities)
    return [(by_slug[slug], confidence) for slug, confidence in ranked if slug in by_slug]


def routing_hint(session: Session, suggestion: Suggestion) -> Optional[RoutingHint]:
    """The most likely lead department for `suggestion` (never learning from itself), or None."""
    ranked = route_text(session, draft_text(suggestion), exclude_ids=(suggestion.id,) if suggestion.id else ())
    if not ranked:
        return None
    (department, confidence), *others = ranked
    return RoutingHint(department, confidence, tuple(others[:2]))
