"""Malformed requests generated from the app's URL map, shared by tests/test_fuzz.py and bench/fuzz.py.

A `Case` is plain data (method, path with query, form fields, files, JSON body), so the same cases
go through Flask's test client or over HTTP to a running gunicorn. Everything is drawn from a
seeded `random.Random`: a seed reproduces the exact requests.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import quote

from werkzeug.routing import Rule

# Families of values a hostile client sends. Each is a reason something used to break.
FAMILIES: dict[str, list[str]] = {
    "huge_int": ["9223372036854775808", "2147483648", "99999999999999999999999999", "1" * 400],
    "negative": ["-1", "-2147483649", "-0"],
    "float": ["1e20", "1.5", "NaN", "-inf", "0x10"],
    "superscript": ["²", "¹²³", "٣", "１２", "⁹⁹⁹⁹"],
    "nul": ["a\x00b", "\x00", "%00"],
    "overlong": ["长" * 5000, "x" * 70_000],
    "syntax": ['"', "'", "((", "a AND (b", 'title:"x', "*?", "[{", "\\", "%", "&&", "OR NOT",
               "a:b:c", "'; DROP TABLE suggestion; --", "<script>alert(1)</script>", "{{7*7}}"],
    "date": ["0001-01-01", "9999-12-31", "99999-01-01", "0001-01-01T00:00", "2024-02-30",
             "2024-13-45T25:61", "1969-12-31T23:59", "-2024-01-01", "2024-01-01T00:00:00+99:00"],
    "json": ['["a","b"]', "[1,2]", '{"a":1}', "null", "[]"],
    "unicode": ["\u202e\u200bx", "\r\n\t", "😀" * 10, "\ufeff", "\x1b[31m", "a\rb"],
    "empty": ["", " ", "0"],
}
# Raw query fragments that are not valid percent-encoding or UTF-8; appended as they are.
RAW_QUERIES = ["%ff%fe=%c3%28", "q=%", "page=%zz", "&&&=&=", "a=1;b=2", "q=%ed%a0%80", "=x", "%00=1"]
# Query keys the portal reads somewhere; the route's own form fields are added per case.
QUERY_KEYS = ["page", "year", "q", "district", "category", "department", "call", "status", "sort", "from",
              "to", "number", "template", "suggestion", "text", "group", "type", "decision", "role", "next",
              "start", "end", "widely", "overdue", "channel", "kind", "locale"]
# Form field names seen across the portal's forms; used where the route's own are not known.
COMMON_FIELDS = ["title", "problem", "measures", "body", "reason", "login", "password", "display_name", "day",
                 "name", "opens_at", "closes_at", "starts_at", "decision", "category", "district", "department",
                 "lead_department", "days", "percent", "step", "strike", "next", "locale", "note", "q"]
WRONG_METHODS = ["PUT", "DELETE", "PATCH", "POST", "GET"]
_MARKER_ID = 1987654321
_FIELD_NAME = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"')


@dataclass
class Case:
    method: str
    path: str  # with the query string, already encoded
    form: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # form fields that get a file instead of text
    json: Any = None
    family: str = ""

    def describe(self) -> str:
        body = ""
        if self.form or self.files:
            shown = [(k, v[:40]) for k, v in self.form[:6]]
            body = f" form={shown!r} files={self.files!r}"
        elif self.json is not None:
            body = f" json={str(self.json)[:80]}"
        return f"{self.method} {self.path[:160]}{body} [{self.family}]"


def form_field_names(html: str) -> list[str]:
    """The field names of every form on a page (to fuzz a route with its own fields)."""
    return sorted(set(_FIELD_NAME.findall(html)) - {"csrf_token"})


def sample_path(rule: Rule, samples: dict[str, Any]) -> str:
    return rule.build({arg: samples[arg] for arg in rule.arguments}, append_unknown=False)[1]


def _value(rng: random.Random, family: str | None = None) -> tuple[str, str]:
    family = family or rng.choice(list(FAMILIES))
    return family, rng.choice(FAMILIES[family])


def _fuzzed_path(rng: random.Random, rule: Rule, samples: dict[str, Any]) -> tuple[str, str]:
    """The route's path with one argument replaced by a malformed value (or the real one)."""
    if not rule.arguments or rng.random() < 0.5:
        return sample_path(rule, samples), ""
    target = rng.choice(sorted(rule.arguments))
    marker_samples = dict(samples, **{target: _MARKER_ID if target.endswith("_id") else "marker"})
    try:
        path = sample_path(rule, marker_samples)
    except Exception:  # an `any(...)` converter refuses the marker: keep its real value
        return sample_path(rule, samples), ""
    family, bad = _value(rng)
    return path.replace(str(_MARKER_ID) if target.endswith("_id") else "marker", quote(bad, safe=""), 1), family


def _query(rng: random.Random, names: list[str]) -> tuple[str, str]:
    pairs, families = [], []
    for _ in range(rng.randint(1, 4)):
        family, value = _value(rng)
        key = rng.choice(names)
        pairs.append(f"{quote(key)}={quote(value, safe='')}")
        if rng.random() < 0.3:  # duplicated parameter
            pairs.append(f"{quote(key)}={quote(_value(rng)[1], safe='')}")
        families.append(family)
    if rng.random() < 0.25:
        pairs.append(rng.choice(RAW_QUERIES))
        families.append("raw_query")
    return "&".join(pairs), "+".join(families)


def _form(rng: random.Random, names: list[str]) -> tuple[list[tuple[str, str]], list[str], str]:
    chosen = rng.sample(names, k=min(len(names), rng.randint(1, 8)))
    form, files, families = [], [], []
    for name in chosen:
        roll = rng.random()
        if roll < 0.12:
            files.append(name)
            families.append("file")
            continue
        family, value = _value(rng)
        form.append((name, value))
        if roll > 0.85:
            form.append((name, _value(rng)[1]))  # a list where one value is expected
            family += "+duplicate"
        families.append(family)
    return form, files, "+".join(families)


def cases_for(rng: random.Random, rule: Rule, samples: dict[str, Any], field_names: list[str],
              per_route: int = 2) -> Iterator[Case]:
    """Malformed requests for one route: fuzzed path and query, fuzzed forms, a wrong method."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    fields = field_names or COMMON_FIELDS
    for _ in range(per_route):
        method = rng.choice(methods)
        path, path_family = _fuzzed_path(rng, rule, samples)
        query, query_family = _query(rng, QUERY_KEYS + fields)
        full = f"{path}?{query}"
        if method == "GET":
            yield Case("GET", full, family="+".join(f for f in (path_family, query_family) if f))
            continue
        if rng.random() < 0.1:
            body = rng.choice([[1, [2, {"x": None}]], {"title": [["a"]], "day": {"y": 1}}, "text", 1e308])
            yield Case(method, path, json=body, family="json_body")
            continue
        form, files, form_family = _form(rng, fields)
        yield Case(method, path if rng.random() < 0.7 else full, form=form, files=files,
                   family="+".join(f for f in (path_family, form_family) if f))
    wrong = [m for m in WRONG_METHODS if m not in rule.methods]
    if wrong and rng.random() < 0.5:
        yield Case(rng.choice(wrong), sample_path(rule, samples), family="wrong_method")
