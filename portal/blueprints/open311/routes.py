"""Open311 GeoReport v2, read-only, in JSON and XML: /open311/v2/services.json,
/open311/v2/services/{service_code}.json, /open311/v2/requests.json and
/open311/v2/requests/{service_request_id}.json (and .xml). See portal/services/open311.py.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional
from xml.etree import ElementTree

from flask import Blueprint, Response, request

from portal.extensions import db
from portal.ratelimits import client_address, limit
from portal.security import public
from portal.services import open311
from portal.timeutil import utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

MAX_ID = 2 ** 31 - 1
MAX_LIST = 100
# The XML names of a list and of each item in it.
XML_NAMES = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "definition": ("service_definition", None), "errors": ("errors", "error")}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _xml(kind: str, payload) -> bytes:
    outer, inner = XML_NAMES[kind]
    root = ElementTree.Element(outer)
    items = payload if inner else [payload]
    for item in items:
        element = ElementTree.SubElement(root, inner) if inner else root
        for key, value in item.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                for attribute in value:
                    ElementTree.SubElement(child, "attribute").text = _text(attribute)
            else:
                child.text = _text(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _answer(kind: str, payload, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(kind, payload), status=status, mimetype="text/xml")
    response = Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(Open311Error)
def refused(error: Open311Error):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _answer("errors", [{"code": error.status, "description": error.description}], fmt, error.status)


def _list_arg(name: str, limit: int = MAX_LIST) -> list[str]:
    text = request.args.get(name, "")
    values = [v.strip() for v in text.split(",") if v.strip()]
    if len(values) > limit or any(len(v) > 60 for v in values):
        raise Open311Error(400, f"{name}: at most {limit} comma-separated values")
    return values


def _datetime_arg(name: str) -> Optional[datetime]:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or not 2000 <= moment.year <= 2100:
        raise Open311Error(400, f"{name}: a W3C date-time such as 2026-11-30T00:00:00+08:00 is expected")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@bp.get("/services.<any(json, xml):fmt>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def services(fmt: str):
    return _answer("services", open311.services(db.session), fmt)


@bp.get("/services/<code>.<any(json, xml):fmt>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def service(code: str, fmt: str):
    definition = open311.service(db.session, code[:60])
    if definition is None:
        raise Open311Error(404, "service_code not found")
    return _answer("definition", definition, fmt)


@bp.get("/requests.<any(json, xml):fmt>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def requests(fmt: str):
    ids = _list_arg("service_request_id")
    if any(not (i.isascii() and i.isdigit()) or not 1 <= int(i) <= MAX_ID for i in ids):
        raise Open311Error(400, "service_request_id: numeric ids are expected")
    statuses = _list_arg("status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status: open or closed is expected")
    query = open311.RequestQuery(request_ids=[int(i) for i in ids], service_codes=_list_arg("service_code"),
                                 statuses=statuses, start=_datetime_arg("start_date"), end=_datetime_arg("end_date"))
    return _answer("requests", open311.requests(db.session, query, utcnow()), fmt)


@bp.get("/requests/<id:request_id>.<any(json, xml):fmt>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def service_request(request_id: int, fmt: str):
    found = open311.requests(db.session, open311.RequestQuery(request_ids=[request_id]), utcnow()) \
        if request_id <= MAX_ID else []
    if not found:
        raise Open311Error(404, "service_request_id not found")
    return _answer("requests", found, fmt)
