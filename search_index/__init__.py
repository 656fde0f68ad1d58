"""Full-text search for the suggestion portal: Whoosh + jieba + OpenCC, no Flask.

See README.md in this folder for the design and how the portal feeds it.
"""

from .analysis import warm_up
from .pgstore import PostgresSearchIndex
from .query import Hit, SearchResults
from .routing import Evaluation, evaluate, suggest_department
from .schema import InvalidDocument
from .store import IndexBuildFailed, IndexBusy, IndexUnavailable, SearchIndex
from . import verify
from .verify import VerifyReport, diff

__all__ = [
    "Evaluation",
    "Hit",
    "IndexBuildFailed",
    "IndexBusy",
    "IndexUnavailable",
    "InvalidDocument",
    "PostgresSearchIndex",
    "SearchIndex",
    "SearchResults",
    "VerifyReport",
    "diff",
    "evaluate",
    "suggest_department",
    "verify",
    "warm_up",
]
