"""The search outbox: which documents must be rebuilt, written in the same transaction as the change.

A change to a suggestion (or its reply, conversion, supports …) adds a row here within the
transaction that makes the change (see `portal.services.search_sync`). One writer later turns the
rows into index updates and deletes them. A rolled-back change takes its rows with it, so the
index never sees what never committed; a crash before the index write leaves the rows pending.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import db
from portal.timeutil import utcnow
from search_index.pgstore import define_table


class IndexOutbox(db.Model):
    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Document kind ("suggestion", "hearing") and the id of the object it is built from.
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The PostgreSQL search backend's documents (SEARCH_BACKEND=postgres): created on every database
# so the schema is one, used only on PostgreSQL, where it is written in the changing transaction.
search_documents = define_table(db.metadata)
