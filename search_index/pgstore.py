"""The same search on PostgreSQL full-text search, so every web host shares one index.

Whoosh keeps its index on one host's disk. Here each document is a row of one table: its
keyword fields as columns (filters, facets, sorts), everything stored as JSON (hits and
snippets), and its words in a ``tsvector`` behind a GIN index. PostgreSQL cannot segment
Chinese (zhparser and pg_jieba are extensions most hosts lack), so the words come from this
package's own analyzer — the tokens Whoosh indexes, with the same positions — and are
written as a ``tsvector`` literal; the ``simple`` configuration is never asked to split
anything. Queries go through the Whoosh query parser too (:func:`query.parse_user_query`)
and its tree is written as a ``tsquery``, so both backends read a query the same way.

Ranking is ``ts_rank`` with the title weighted 3× (as Whoosh's BM25F is). Ranking reads
every matching row's ``tsvector``, so only the newest ``RANK_WINDOW`` matches are ranked;
pages beyond them continue newest first (see :meth:`PostgresSearchIndex._page`).

Writes take an SQLAlchemy connection: the portal passes the one of the transaction that
makes the change, so a document is replaced in the same commit as what it reflects.
:meth:`lock_documents` serialises writers of one document across hosts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import multiprocessing
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text, and_, bindparam, case, cast,
    delete, func, literal, select, text, true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, REAL, TSQUERY, TSVECTOR, insert as pg_insert
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import JSON, TypeDecorator, TypeEngine
from whoosh import query as wq

from .analysis import ChineseAnalyzer, index_grams, query_terms
from .highlight import term_pattern
from .query import (
    Hit, SearchResults, highlight_terms, make_hit, new_results,
)
from .ranking import preferred_queries
from .schema import (
    GRAM_FIELDS, TITLE_BOOST, DATETIME_FIELDS, FACET_FIELDS, KEYWORD_FIELDS, MULTI_VALUED, TEXT_FIELDS, InvalidDocument,
    prepare_document,
)

log = logging.getLogger(__name__)

Operation = tuple[str, Any]  # ("upsert", doc_dict) | ("delete", doc_id)

RANK_WINDOW = 1000  # matches ranked by relevance; beyond them, newest first
SIMILAR_PER_TERM = 400  # candidate suggestions read per key word of a draft
FREQUENCY_CAP = 4000  # a word in more documents than this weighs about as little either way
FREQUENCY_TTL = 600.0  # seconds a document frequency is reused: idf moves slowly
FREQUENCY_CACHE_BYTES = 4 << 20
MAX_POSITION = 16383  # PostgreSQL keeps tsvector positions up to this
FIELD_GAP = 100  # positions between fields, so a quoted phrase never spans two fields
# tsvector weights: the title ranks 3× the body (as Whoosh's TITLE_BOOST); similar suggestions
# read title and body only (A and B), as Whoosh's key-word search does.
FIELD_WEIGHTS = {"title": "A", "body": "B"}
OTHER_WEIGHT = "C"
GRAM_WEIGHT = "D"  # character bigrams count for less than words (schema.GRAM_BOOST)
RANK_WEIGHTS = [0.05, 0.1, 0.1, 0.3]  # D, C, B, A
BM25_K1, BM25_B = 1.2, 0.75  # Whoosh's BM25F defaults, for similar suggestions
_KEY_COLUMNS = tuple(f for f in KEYWORD_FIELDS if f not in MULTI_VALUED)


class Words(TypeDecorator):
    """tsvector on PostgreSQL; plain text elsewhere (the table exists there but stays empty)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())


class Keywords(TypeDecorator):
    """A list of keyword values: text[] on PostgreSQL (``&&`` and ``unnest``), JSON elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(ARRAY(String(80)) if dialect.name == "postgresql" else JSON())


class StoredFields(TypeDecorator):
    """The stored document: jsonb on PostgreSQL, JSON elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())


def define_table(metadata: MetaData, name: str = "search_documents") -> Table:
    """The documents table. On SQLite it is created with plain types and never used."""
    return Table(
        name, metadata,
        Column("doc_id", String(80), primary_key=True),
        Column("kind", String(20), nullable=False),
        Column("object_id", BigInteger),
        *(Column(field, String(80)) for field in _KEY_COLUMNS if field != "kind"),
        Column("conversion_types", Keywords()),
        Column("published_at", DateTime),
        Column("event_at", DateTime),
        Column("support_count", Integer, nullable=False, server_default="0"),
        Column("length", Integer, nullable=False, server_default="0"),  # title + body words, for BM25
        Column("fingerprint", String(80), nullable=False, server_default=""),
        Column("stored", StoredFields(), nullable=False),
        Column("words", Words(), nullable=False),
        Index(f"ix_{name}_words", "words", postgresql_using="gin"),
        Index(f"ix_{name}_newest", "published_at", "doc_id"),
        Index(f"ix_{name}_kind", "kind"),
    )


# ----- documents → rows --------------------------------------------------------------------
def _lexeme(term: str) -> str:
    """A tsvector/tsquery lexeme literal: quoted, so any character is taken as it is."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def index_tokens(text: str) -> Iterator[tuple[str, int]]:
    """(term, position) of ``text`` as Whoosh indexes it: the analyzer's words with positions (for phrases)."""
    for token in ChineseAnalyzer()(text, mode="index", positions=True):
        yield token.text, token.pos


def gram_lexeme(field: str, gram: str) -> str:
    """A bigram kept apart from words and from the other gram field (a fragment must sit in one field)."""
    return f"{GRAM_FIELDS.index(field)}|{gram}"


def words_literal(fields: Mapping[str, Any]) -> tuple[str, int]:
    """The text fields as a tsvector literal (the analyzer's terms at their positions), and the
    number of title and body terms."""
    positions: dict[str, list[str]] = {}
    length = 0
    start = 1
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if not value:
            continue
        weight = FIELD_WEIGHTS.get(name, OTHER_WEIGHT)
        last = start
        for term, pos in index_tokens(str(value)):
            if len(term.encode("utf-8")) >= 2046:  # PostgreSQL's lexeme limit; never a real word
                continue
            position = min(start + pos, MAX_POSITION)
            positions.setdefault(term, []).append(f"{position}{weight}")
            length += name in FIELD_WEIGHTS
            last = max(last, position)
        start = min(last + FIELD_GAP, MAX_POSITION)
    for name in GRAM_FIELDS:  # the bigrams Whoosh's gram fields hold; positions only to count them
        for offset, gram in enumerate(index_grams(str(fields.get(name) or ""))):
            positions.setdefault(gram_lexeme(name, gram), []).append(f"{min(start + offset, MAX_POSITION)}{GRAM_WEIGHT}")
    # a lexeme keeps at most 256 positions; beyond that, PostgreSQL would refuse the literal
    literal = " ".join(f"{_lexeme(term)}:{','.join(where[:256])}" for term, where in positions.items())
    return literal, length


def _stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items() if k not in GRAM_FIELDS}


def document_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The table row for a portal document (validated and cleaned by ``prepare_document``)."""
    fields = prepare_document(doc)
    words, length = words_literal(fields)
    row: dict[str, Any] = {name: fields.get(name) for name in _KEY_COLUMNS}
    row.update(
        doc_id=fields["doc_id"],
        object_id=fields.get("object_id"),
        conversion_types=[v for v in fields.get("conversion_types", "").split(",") if v],
        published_at=fields.get("published_at"),
        event_at=fields.get("event_at"),
        support_count=fields.get("support_count", 0),
        fingerprint=fields.get("fingerprint", ""),
        stored=_stored(fields),
        words=words,
        length=length,
    )
    if not row["kind"]:
        raise InvalidDocument("kind is required")
    return row


def _stored_fields(stored: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(stored)
    for name in DATETIME_FIELDS:
        if isinstance(fields.get(name), str):
            fields[name] = datetime.fromisoformat(fields[name])
    return fields


# ----- whoosh query tree → tsquery ---------------------------------------------------------
def to_tsquery(q: wq.Query) -> str | None:
    """The tsquery for a parsed user query over the text fields; None when it cannot match."""
    if q is wq.NullQuery:
        return None
    if isinstance(q, (wq.Term, wq.Prefix)):
        term = q.text if isinstance(q.text, str) else q.text.decode("utf-8")
        if q.fieldname in GRAM_FIELDS:
            term = gram_lexeme(q.fieldname, term)
        elif q.fieldname not in TEXT_FIELDS:
            return None
        return _lexeme(term) + (":*" if isinstance(q, wq.Prefix) else "")
    if isinstance(q, wq.Phrase):
        words = [w for w in q.words if w]
        return "(" + " <-> ".join(_lexeme(w) for w in words) + ")" if words else None
    if isinstance(q, wq.Not):
        inner = to_tsquery(q.query)
        return f"!{inner}" if inner else None
    if isinstance(q, wq.AndMaybe):  # the optional side only ranks (it is in _rank_query)
        return to_tsquery(q.a)
    if isinstance(q, wq.AndNot):
        positive, negative = to_tsquery(q.a), to_tsquery(q.b)
        return positive if not negative or not positive else f"({positive} & !{negative})"
    if isinstance(q, wq.Or):
        parts = list(dict.fromkeys(p for p in map(to_tsquery, q.subqueries) if p))
        return None if not parts else parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    if isinstance(q, wq.And):
        parts = [to_tsquery(p) for p in q.subqueries]
        if any(p is None for p in parts):
            return None
        parts = list(dict.fromkeys(parts))
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"  # type: ignore[arg-type]
    # any other node the parser may give: all of its words
    terms = [_lexeme(t if isinstance(t, str) else t.decode("utf-8"))
             for f, t in q.iter_all_terms() if f in TEXT_FIELDS]
    return "(" + " & ".join(dict.fromkeys(terms)) + ")" if terms else None


def _rank_query(q: wq.Query | None) -> str | None:
    """Every wanted word and bigram ORed: ts_rank of an AND ignores words sharing a position (a
    word and its sub-words), and ranks by how close the words sit rather than how often they occur."""
    if q is None:
        return None
    negated: set[Any] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, wq.Not):
            negated.update(node.iter_all_terms(phrases=True))
        else:
            stack.extend(node.children())
    lexemes = {to_tsquery(wq.Term(field, text)) for field, text in q.iter_all_terms(phrases=True)
               if (field, text) not in negated}
    lexemes.discard(None)
    return " | ".join(sorted(lexemes)) if lexemes else None  # type: ignore[arg-type]


def _analysed_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [document_row(doc) for doc in docs]


class PostgresSearchIndex:
    """``SearchIndex``'s interface over a table of a PostgreSQL database."""

    backend = "postgres"

    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table
        self._frequencies = FrequencyCache()
        self._stats: tuple[int, float, float] | None = None

    # ----- writing ---------------------------------------------------------------------
    @contextmanager
    def _connection(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self.engine.begin() as own:
                yield own

    def lock_documents(self, connection: Connection, doc_ids: Iterable[str]) -> None:
        """Hold each document until ``connection``'s transaction ends, whichever host asks.

        A writer takes the locks before reading what it indexes, so it reads after any other
        writer of the same document committed: an older read never overwrites a newer one.
        Sorted, so two writers of overlapping sets cannot deadlock.
        """
        keys = sorted({_lock_key(self.table.name, d) for d in doc_ids})
        if keys:
            connection.execute(select(func.pg_advisory_xact_lock(func.unnest(bindparam("keys", keys,
                                                                                      type_=ARRAY(BigInteger))))))

    def apply(self, operations: Iterable[Operation], connection: Connection | None = None) -> dict[str, int]:
        """Upserts and deletes, in ``connection``'s transaction when given, else in one of their own."""
        rows, deletes = [], []
        for op, payload in operations:
            if op == "upsert":
                rows.append(document_row(payload))
            elif op == "delete":
                if not isinstance(payload, str):
                    raise InvalidDocument("delete takes a doc_id string")
                deletes.append(payload)
            else:
                raise ValueError(f"unknown index operation {op!r}")
        counts = {"upserted": 0, "deleted": 0}
        with self._connection(connection) as conn:
            if deletes:
                counts["deleted"] = conn.execute(delete(self.table).where(self.table.c.doc_id.in_(deletes))).rowcount
            if rows:
                self._upsert(conn, rows)
                counts["upserted"] = len(rows)
        return counts

    def fingerprints(self, connection: Connection, doc_ids: Iterable[str]) -> dict[str, str]:
        """doc_id -> fingerprint of those of ``doc_ids`` that are indexed, read in ``connection``'s transaction."""
        doc_ids = sorted(set(doc_ids))
        if not doc_ids:
            return {}
        return dict(connection.execute(select(self.table.c.doc_id, self.table.c.fingerprint)
                                       .where(self.table.c.doc_id.in_(doc_ids))).tuples().all())

    def set_support_counts(self, connection: Connection, counts: Mapping[str, int]) -> set[str]:
        """Set the support count of indexed documents (doc_id -> count) without rebuilding them.

        A support changes nothing else a document holds, and tokenizing it again cost a support
        most of its time. The count is written to its column, to the stored fields, and to the
        fingerprint's part after its last ':' (the portal's fingerprints end in ':<count>').
        Returns the doc_ids that were indexed; the caller indexes the others in full.
        """
        statement = text(f"""
            UPDATE {self.table.name}
               SET support_count = :count,
                   fingerprint = regexp_replace(fingerprint, ':[0-9]+$', '') || ':' || :count,
                   stored = jsonb_set(jsonb_set(stored, '{{support_count}}', to_jsonb(CAST(:count AS integer))),
                                      '{{fingerprint}}',
                                      to_jsonb(regexp_replace(fingerprint, ':[0-9]+$', '') || ':' || :count))
             WHERE doc_id = :doc_id
         RETURNING doc_id""")
        found = set()
        for doc_id, count in sorted(counts.items()):
            found.update(connection.execute(statement, {"doc_id": doc_id, "count": int(count)}).scalars())
        return found

    def _upsert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        by_id = {row["doc_id"]: row for row in rows}  # ON CONFLICT cannot touch one row twice
        values = list(by_id.values())
        statement = pg_insert(self.table).values(
            {c.name: bindparam(c.name) if c.name != "words" else cast(bindparam("words"), TSVECTOR)
             for c in self.table.columns})
        statement = statement.on_conflict_do_update(
            index_elements=[self.table.c.doc_id],
            set_={c.name: statement.excluded[c.name] for c in self.table.columns if c.name != "doc_id"},
        )
        conn.execute(statement, values)

    def rebuild(self, docs: Iterable[dict[str, Any]], *, procs: int = 1, batch: int = 200, **_: Any) -> int:
        """Replace the whole index with ``docs``: batches upserted, then every other row deleted.

        Searches go on meanwhile (they see each batch as it commits). ``procs`` > 1 analyses
        in that many forked processes (fork only from a single-threaded CLI process).
        """
        seen: set[str] = set()
        count = 0
        batches = _batches(docs, batch)
        pool = multiprocessing.get_context("fork").Pool(procs) if procs > 1 else None
        try:
            analysed = pool.imap(_analysed_rows, batches) if pool else map(_analysed_rows, batches)
            for rows in analysed:
                rows = [r for r in rows if r["doc_id"] not in seen]
                seen.update(r["doc_id"] for r in rows)
                if rows:
                    with self.engine.begin() as conn:
                        self._upsert(conn, rows)
                    count += len(rows)
        finally:
            if pool:
                pool.close()
                pool.join()
        with self.engine.begin() as conn:
            existing = conn.scalars(select(self.table.c.doc_id)).all()
            gone = [d for d in existing if d not in seen]
            for start in range(0, len(gone), 1000):
                conn.execute(delete(self.table).where(self.table.c.doc_id.in_(gone[start:start + 1000])))
        return count

    # ----- reading ---------------------------------------------------------------------
    def exists(self) -> bool:
        return self.health()["available"]

    def health(self) -> dict[str, Any]:
        try:
            with self.engine.connect() as conn:
                count = conn.scalar(select(func.count()).select_from(self.table))
        except SQLAlchemyError as exc:
            return {"available": False, "generation": None, "doc_count": 0, "error": str(exc.__cause__ or exc)}
        return {"available": True, "generation": self.table.name, "doc_count": count, "error": None}

    def all_doc_versions(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(self.table.c.doc_id, self.table.c.fingerprint)).all())

    def close(self) -> None:
        """Nothing to close: connections belong to the engine's pool."""

    def __enter__(self) -> PostgresSearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- search ------------------------------------------------------------------------
    def search(
        self,
        q: str | None,
        *,
        filters: Mapping[str, Any] | None = None,
        kinds: Sequence[str] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        """As :meth:`SearchIndex.search`; never raises on user input."""
        results, user_q = new_results(q, sort, page, per_page)
        tsquery = to_tsquery(user_q) if user_q is not None else None
        if user_q is not None and tsquery is None:
            return results  # nothing can match (e.g. only punctuation)
        try:
            with self.engine.connect() as conn:
                self._fill(conn, results, user_q, tsquery, filters, kinds)
        except SQLAlchemyError as exc:
            log.warning("search index unavailable: %s", exc.__cause__ or exc)
            results.available, results.error_message_key = False, "unavailable"
        return results

    def _where(self, tsquery: str | None, filters: Mapping[str, Any] | None, kinds: Sequence[str] | None) -> Any:
        t = self.table
        clauses = []
        if tsquery is not None:
            clauses.append(t.c.words.bool_op("@@")(cast(bindparam("q", tsquery), TSQUERY)))
        for name, value in dict(filters or {}).items():
            if name not in KEYWORD_FIELDS:
                log.debug("search_index: ignoring unknown filter %r", name)
                continue
            values = [value] if isinstance(value, (str, int)) else list(value or ())
            values = [str(v) for v in values if v is not None and str(v) != ""]
            if not values:
                continue
            if name in MULTI_VALUED:
                clauses.append(t.c[name].bool_op("&&")(bindparam(f"f_{name}", values, type_=ARRAY(String))))
            else:
                clauses.append(t.c[name].in_(values))
        if kinds:
            clauses.append(t.c.kind.in_(list(kinds)))
        return and_(true(), *clauses)

    def _fill(self, conn: Connection, results: SearchResults, user_q: wq.Query | None, tsquery: str | None,
              filters: Mapping[str, Any] | None, kinds: Sequence[str] | None) -> None:
        where = self._where(tsquery, filters, kinds)
        results.total, results.facets = self._count_and_facets(conn, where)
        results.pages = max(1, math.ceil(results.total / results.per_page))
        first = (results.page - 1) * results.per_page
        if first >= results.total:
            return
        pattern = term_pattern(highlight_terms(user_q))
        preferred = [q for q in map(to_tsquery, preferred_queries(user_q)) if q] if user_q is not None else []
        for stored, score in self._page(conn, where, results.sort, _rank_query(user_q), first, results.per_page,
                                        preferred):
            results.hits.append(make_hit(_stored_fields(stored), pattern, score))

    def _count_and_facets(self, conn: Connection, where: Any) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The number of matches and every facet's counts, in one pass over the matches."""
        t = self.table
        single = [f for f in FACET_FIELDS if f not in MULTI_VALUED]
        matched = select(*(t.c[f] for f in single), t.c.conversion_types).where(where).subquery("m")
        columns = [matched.c[f] for f in single]
        sets = ", ".join(f"(m.{f})" for f in single) + ", ()"
        rows = conn.execute(
            select(*columns, func.grouping(*columns).label("g"), func.count().label("n"))
            .group_by(text(f"GROUPING SETS ({sets})"))
        ).all()
        facets: dict[str, list[tuple[str, int]]] = {f: [] for f in FACET_FIELDS}
        total = 0
        width = len(single)
        for row in rows:
            mask, n = row.g, row.n
            if mask == (1 << width) - 1:  # the () grouping set: every match
                total = n
                continue
            for i, name in enumerate(single):
                if not mask & (1 << (width - 1 - i)) and row[i] is not None:
                    facets[name].append((str(row[i]), n))
        if total:
            value = func.unnest(matched.c.conversion_types).label("value")
            inner = select(value).select_from(matched).subquery("v")
            facets["conversion_types"] = [
                (v, n) for v, n in conn.execute(select(inner.c.value, func.count()).group_by(inner.c.value)).all()
            ]
        return total, {f: sorted(c, key=lambda item: (-item[1], item[0])) for f, c in facets.items()}

    def _page(self, conn: Connection, where: Any, sort: str, rank_query: str | None, first: int,
              size: int, preferred: Sequence[str] = ()) -> list[tuple[dict[str, Any], float | None]]:
        t = self.table
        newest = (t.c.published_at.desc().nulls_last(), t.c.doc_id)
        if sort == "supported":
            order: tuple[Any, ...] = (t.c.support_count.desc(), *newest)
        else:
            order = newest
        if sort != "relevance" or rank_query is None:
            rows = conn.execute(select(t.c.stored).where(where).order_by(*order).offset(first).limit(size)).all()
            return [(row.stored, None) for row in rows]
        # Relevance: rank the newest RANK_WINDOW matches, then continue with older ones, newest first.
        hits: list[tuple[dict[str, Any], float | None]] = []
        if first < RANK_WINDOW:
            window = select(t.c.doc_id, t.c.words).where(where).order_by(*newest).limit(RANK_WINDOW).subquery("w")
            rank = func.ts_rank(bindparam("rank_weights", RANK_WEIGHTS, type_=ARRAY(REAL)), window.c.words,
                                cast(bindparam("rank_query", rank_query), TSQUERY), 1).label("rank")
            # A match of more of the preferred queries (the typed punctuation, verbatim) ranks first,
            # as in the Whoosh backend.
            held = sum((case((window.c.words.op("@@")(cast(bindparam(f"preferred_{i}", q), TSQUERY)), 1), else_=0)
                        for i, q in enumerate(preferred)), literal(0)).label("held")
            ranked = select(window.c.doc_id, rank, held).order_by(held.desc(), rank.desc(), window.c.doc_id) \
                .offset(first).limit(min(size, RANK_WINDOW - first)).subquery("r")
            rows = conn.execute(select(t.c.stored, ranked.c.rank).join_from(ranked, t, ranked.c.doc_id == t.c.doc_id)
                                .order_by(ranked.c.held.desc(), ranked.c.rank.desc(), ranked.c.doc_id)).all()
            hits = [(row.stored, float(row.rank)) for row in rows]
        if len(hits) < size:
            older_first = max(first, RANK_WINDOW)
            rows = conn.execute(select(t.c.stored).where(where).order_by(*newest)
                                .offset(older_first).limit(size - len(hits))).all()
            hits += [(row.stored, None) for row in rows]
        return hits

    # ----- similar suggestions -------------------------------------------------------------
    def similar(self, text: str, limit: int = 5, exclude_doc_ids: Sequence[str] = ()) -> list[Hit]:
        return self.neighbours(text, limit, exclude_doc_ids=exclude_doc_ids)

    def neighbours(self, text_: str, limit: int, exclude_doc_ids: Iterable[str] = (),
                   exclude_object_ids: Iterable[int] = ()) -> list[Hit]:
        """Suggestions most like ``text_``: its key words weighted by tf-idf, scored by ts_rank.

        As Whoosh's ``similar.neighbours``; the candidates are bounded (``SIMILAR_PER_TERM``
        per word), so a common word cannot make PostgreSQL rank the whole table.
        """
        from .similar import MAX_DRAFT_CHARS, MAX_TERMS

        words: dict[str, int] = {}
        for term in query_terms((text_ or "")[:MAX_DRAFT_CHARS]):
            if len(term) > 1:
                words[term] = words.get(term, 0) + 1
        if not words:
            return []
        t = self.table
        excluded_docs, excluded_objects = list(exclude_doc_ids), [int(i) for i in exclude_object_ids]
        try:
            with self.engine.connect() as conn:
                total, avg_length = self._collection_stats(conn)
                frequencies = self._document_frequencies(conn, list(words))
                # tf-idf picks the draft's key words; each then scores like BM25F (its idf again)
                weighted = sorted(
                    ((term, math.sqrt(tf) * math.log(1 + total / frequencies[term]) ** 2)
                     for term, tf in words.items() if frequencies.get(term)),
                    key=lambda item: (-item[1], item[0]),
                )[:MAX_TERMS]
                if not weighted:
                    return []
                rows = conn.execute(text(_SIMILAR_SQL.format(table=t.name)), {
                    "terms": [term for term, _ in weighted],
                    "queries": [_lexeme(term) for term, _ in weighted],
                    "weights": [w for _, w in weighted],
                    "per_term": SIMILAR_PER_TERM,
                    "excluded_docs": excluded_docs,
                    "excluded_objects": excluded_objects,
                    "limit": limit,
                    "k1": BM25_K1, "b": BM25_B, "title_boost": TITLE_BOOST, "avg_length": avg_length,
                }).all()
        except SQLAlchemyError as exc:
            log.warning("search index unavailable: %s", exc.__cause__ or exc)
            return []
        return [make_hit(_stored_fields(row.stored), None, float(row.score)) for row in rows]

    def _collection_stats(self, conn: Connection) -> tuple[int, float]:
        """(documents, mean title+body length), recounted every ``FREQUENCY_TTL`` seconds."""
        now = time.monotonic()
        if self._stats is None or self._stats[2] <= now:
            count, mean = conn.execute(select(func.count(), func.avg(self.table.c.length))).one()
            self._stats = (max(1, count), max(1.0, float(mean or 1)), now + FREQUENCY_TTL)
        return self._stats[0], self._stats[1]

    def _document_frequencies(self, conn: Connection, terms: list[str]) -> dict[str, int]:
        """Documents holding each term, counted up to a cap (enough for an idf), cached a while.

        Counting anywhere in the document, not only title and body: a weight restriction makes
        PostgreSQL recheck every row's tsvector, while a bare word is answered by the GIN index.
        """
        found = self._frequencies.get_many(terms)
        missing = [term for term in terms if term not in found]
        if missing:
            rows = conn.execute(text(_FREQUENCY_SQL.format(table=self.table.name)), {
                "terms": missing, "queries": [_lexeme(term) for term in missing], "cap": FREQUENCY_CAP,
            }).all()
            counted = {term: n for term, n in rows}
            self._frequencies.put_many(counted)
            found.update(counted)
        return found


# Key words with their weights; each word's first SIMILAR_PER_TERM suggestions are candidates;
# a candidate's score is the weighted sum of its ts_rank for each word (title 3×, as Whoosh's).
_SIMILAR_SQL = """
WITH words AS (
    SELECT term, q, w FROM unnest(CAST(:terms AS text[]), CAST(:queries AS text[]), CAST(:weights AS float8[]))
        AS x(term, q, w)
), candidates AS (
    SELECT DISTINCT c.doc_id FROM words CROSS JOIN LATERAL (
        SELECT d.doc_id FROM {table} d WHERE d.words @@ CAST(words.q AS tsquery) LIMIT :per_term
    ) c
), scored AS (
    SELECT d.doc_id, sum(words.w * u.tf / (u.tf + :k1 * (1 - :b + :b * d.length / :avg_length))) AS score
    FROM candidates JOIN {table} d USING (doc_id)
    CROSS JOIN LATERAL (
        SELECT v.lexeme, (SELECT sum(CASE x WHEN 'A' THEN :title_boost WHEN 'B' THEN 1.0 ELSE 0.0 END)
                          FROM unnest(v.weights) AS x) AS tf
        FROM unnest(d.words) AS v WHERE v.lexeme = ANY(CAST(:terms AS text[]))
    ) u
    JOIN words ON words.term = u.lexeme
    WHERE d.kind = 'suggestion' AND u.tf > 0
      AND d.doc_id <> ALL(CAST(:excluded_docs AS text[]))
      AND d.object_id <> ALL(CAST(:excluded_objects AS bigint[]))
    GROUP BY d.doc_id
    ORDER BY score DESC, d.doc_id
    LIMIT :limit
)
SELECT d.stored, scored.score FROM scored JOIN {table} d USING (doc_id)
ORDER BY scored.score DESC, scored.doc_id
"""

_FREQUENCY_SQL = """
SELECT x.term, (SELECT count(*) FROM (
    SELECT 1 FROM {table} d WHERE d.words @@ CAST(x.q AS tsquery) LIMIT :cap) AS capped)
FROM unnest(CAST(:terms AS text[]), CAST(:queries AS text[])) AS x(term, q)
"""


class FrequencyCache:
    """term → document frequency, kept ``FREQUENCY_TTL`` seconds, bounded by (estimated) bytes."""

    def __init__(self, max_bytes: int = FREQUENCY_CACHE_BYTES, ttl: float = FREQUENCY_TTL) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._entries: dict[str, tuple[int, float]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _size(term: str) -> int:
        return sys.getsizeof(term) + 120  # the key, the tuple and the dict slot, roughly

    def get_many(self, terms: Iterable[str]) -> dict[str, int]:
        now = time.monotonic()
        with self._lock:
            return {t: e[0] for t in terms if (e := self._entries.get(t)) is not None and e[1] > now}

    def put_many(self, counts: Mapping[str, int]) -> None:
        expires = time.monotonic() + self.ttl
        with self._lock:
            for term, count in counts.items():
                if term not in self._entries:
                    self._bytes += self._size(term)
                self._entries[term] = (count, expires)
            while self._bytes > self.max_bytes and self._entries:  # oldest insertions go first
                oldest = next(iter(self._entries))
                del self._entries[oldest]
                self._bytes -= self._size(oldest)


def _lock_key(namespace: str, doc_id: str) -> int:
    """A stable signed 64-bit advisory-lock key for one document of one table."""
    digest = hashlib.blake2b(f"{namespace}\0{doc_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _batches(docs: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
