"""The OpenAPI 3.1 document, generated from the API's routes and the schemas they answer with.

Each view declares its summary, tag, response schema and parameters with `@operation`; the
document walks `app.url_map`, so a new API route appears in it by being written.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_babel import force_locale

from portal.blueprints.api.schemas import ProblemSchema

TITLE = "People's-suggestion portal API (人民建议征集平台)"
VERSION = "1.0.0"
DESCRIPTION = (
    "Read-only open data: public suggestions with their answers, conversions and outcomes, reference data, "
    "themed calls, hearings and the performance metrics. Personal data is masked; decisions appear once "
    "published. Responses carry ETags (send If-None-Match for a 304), times are RFC 3339 in UTC, errors are "
    "application/problem+json. Lists page with an opaque cursor: follow `next` until it is null."
)
_PATH_PARAMETER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


def operation(summary: str, tag: str, schema, parameters: Optional[list[dict]] = None) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.api_operation = {"summary": summary, "tag": tag, "schema": schema, "parameters": parameters or []}
        return view
    return decorate


def _responses(schema, has_path_id: bool) -> dict:
    problem = {"application/problem+json": {"schema": "Problem"}}
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}},
                "headers": {"ETag": {"schema": {"type": "string"}}}},
        "304": {"description": "Not modified since the ETag sent in If-None-Match"},
        "400": {"description": "A query parameter is not valid", "content": problem},
        "429": {"description": "Too many requests from this address", "content": problem},
    }
    if has_path_id:
        responses["404"] = {"description": "No public record has this id", "content": problem}
    return responses


def build(app: Flask, locale: str = "en") -> dict:
    """The document with operation summaries in `locale` (the JSON document is always English)."""
    with force_locale(locale):
        return _build(app)


def _build(app: Flask) -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION,
                         "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"}},
                   servers=[{"url": "/"}])
    spec.components.schema("Problem", schema=ProblemSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        described = getattr(view, "api_operation", None)
        if not rule.endpoint.startswith("api.") or described is None:
            continue
        path = _PATH_PARAMETER.sub(r"{\1}", rule.rule)
        operation_id = rule.endpoint.split(".", 1)[1]
        spec.path(path=path, operations={"get": {
            "operationId": operation_id, "summary": str(described["summary"]), "tags": [described["tag"]],
            "parameters": described["parameters"],
            "responses": _responses(described["schema"], "{" in path)}})
    return spec.to_dict()


def document(app: Flask, locale: str = "en") -> dict:
    """Built once per application and language: it depends only on the code."""
    documents = app.extensions.setdefault("openapi_documents", {})
    if locale not in documents:
        documents[locale] = build(app, locale)
    return documents[locale]
