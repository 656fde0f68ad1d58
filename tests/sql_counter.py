"""Count the SQL statements a piece of code sends, to test that a page's cost does not grow with data.

    with count_statements(db.engine) as statements:
        client.get("/suggestions/")
    assert len(statements) <= 12, "\n".join(statements)

Every statement the engine sends to the database is recorded (SAVEPOINTs and the like included),
from any session or connection, as the text the driver received.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
