"""The API's response shapes: marshmallow schemas that serialise the public view objects.

The same schemas produce the JSON and, through apispec, the OpenAPI document, so the document
cannot drift from what the API sends. They read public views only (masked text, published
decisions); a field that is not here is not public.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.services.opendata import number_text


class Strict(Schema):
    class Meta:
        ordered = True


class RefSchema(Strict):
    id = fields.Int(required=True, metadata={"description": "Stable id"})
    name = fields.Str(required=True, metadata={"description": "Name in Chinese"})
    name_en = fields.Str(required=True, metadata={"description": "Name in English (may be empty)"})


class PlainDecimal(fields.String):
    """A decimal as people write it: 50.00 → "50", 12.50 → "12.5" (a string, so no precision is lost)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else number_text(value)


class OutcomeSchema(Strict):
    name = fields.Str(required=True)
    value = PlainDecimal(required=True,
                         metadata={"description": "Measured value, as a decimal string such as \"13\" or \"12.5\""})
    unit = fields.Str(required=True)


class ProgressSchema(Strict):
    recorded_on = fields.Date(required=True)
    percent = fields.Int(required=True)
    note = fields.Str(required=True)


class ConversionSchema(Strict):
    id = fields.Int(required=True)
    type = fields.Str(required=True, metadata={
        "description": "public_welfare, agency_improvement, legislation, congress_oversight, deputy_motion, "
                       "government_decision or other"})
    description = fields.Str(required=True)
    started_on = fields.Date(required=True)
    outcomes = fields.List(fields.Nested(OutcomeSchema), required=True)
    progress = fields.List(fields.Nested(ProgressSchema), required=True)


class ReplySchema(Strict):
    id = fields.Int(required=True)
    kind = fields.Str(required=True, metadata={"description": "reply, review or second_review"})
    decision = fields.Str(required=True, allow_none=True,
                          metadata={"description": "adopted, partly_adopted, for_reference or not_adopted"})
    body = fields.Str(required=True, metadata={"description": "The written answer (personal data masked)"})
    created_at = fields.DateTime(required=True)
    department = fields.Nested(RefSchema, required=True, allow_none=True)
    rating = fields.Str(required=True, allow_none=True, attribute="rating_level",
                        metadata={"description": "The author's rating: satisfied, basically_satisfied, dissatisfied"})


class TimelineEventSchema(Strict):
    action = fields.Str(required=True, metadata={"description": "What happened (a code, e.g. accept, dispatch, reply)"})
    created_at = fields.DateTime(required=True)
    note = fields.Str(required=True, metadata={"description": "The public note, if any"})


class SuggestionSummarySchema(Strict):
    id = fields.Int(required=True)
    url = fields.Str(required=True, metadata={"description": "The suggestion's page on the portal"})
    title = fields.Str(required=True)
    status = fields.Str(required=True, metadata={
        "description": "accepted, dispatched, replied, in_review, reviewed, in_second_review or closed"})
    author = fields.Str(required=True, allow_none=True,
                        metadata={"description": "Masked name such as 张**; null when the author is anonymous"})
    category = fields.Nested(RefSchema, required=True, allow_none=True)
    district = fields.Nested(RefSchema, required=True, allow_none=True)
    lead_department = fields.Nested(RefSchema, required=True, allow_none=True)
    support_count = fields.Int(required=True)
    widely_supported_at = fields.DateTime(required=True, allow_none=True)
    submitted_at = fields.DateTime(required=True)
    accepted_at = fields.DateTime(required=True, allow_none=True)
    published_at = fields.DateTime(required=True, allow_none=True,
                                   metadata={"description": "When the department published its decision"})
    decision = fields.Str(required=True, allow_none=True, metadata={"description": "Only once published"})
    conversion_types = fields.List(fields.Str(), required=True)


class SuggestionSchema(SuggestionSummarySchema):
    problem = fields.Str(required=True)
    measures = fields.Str(required=True)
    themed_call_title = fields.Str(required=True)
    replies = fields.List(fields.Nested(ReplySchema), required=True)
    conversions = fields.List(fields.Nested(ConversionSchema), required=True)
    timeline = fields.List(fields.Nested(TimelineEventSchema), required=True)


class SuggestionListSchema(Strict):
    items = fields.List(fields.Nested(SuggestionSummarySchema), required=True)
    next_cursor = fields.Str(required=True, allow_none=True,
                             metadata={"description": "Pass as `cursor` for the next page; null on the last page"})
    next = fields.Str(required=True, allow_none=True, metadata={"description": "URL of the next page"})


class CategorySchema(RefSchema):
    """A category: the reference fields only."""


class DepartmentSchema(RefSchema):
    slug = fields.Str(required=True)


class ReferenceListSchema(Strict):
    items = fields.List(fields.Nested(RefSchema), required=True)


class DepartmentListSchema(Strict):
    items = fields.List(fields.Nested(DepartmentSchema), required=True)


class ThemedCallSchema(Strict):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    description = fields.Str(required=True)
    department = fields.Nested(RefSchema, required=True, allow_none=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    collective_answer = fields.Str(required=True)


class ThemedCallListSchema(Strict):
    items = fields.List(fields.Nested(ThemedCallSchema), required=True)


class PanelMemberSchema(Strict):
    name = fields.Str(required=True)
    kind = fields.Str(required=True, metadata={"description": "npc_deputy, cppcc_member, lawyer, expert, community …"})


class HearingSchema(Strict):
    id = fields.Int(required=True)
    reference = fields.Str(required=True)
    url = fields.Str(required=True)
    subject = fields.Str(required=True)
    department = fields.Nested(RefSchema, required=True, allow_none=True)
    starts_at = fields.DateTime(required=True)
    duration_minutes = fields.Int(required=True)
    venue = fields.Str(required=True)
    is_public = fields.Bool(required=True)
    status = fields.Str(required=True, metadata={"description": "scheduled, postponed, cancelled or concluded"})
    cancellation_reason = fields.Str(required=True)
    conclusion = fields.Str(required=True)
    concluded_at = fields.DateTime(required=True, allow_none=True)
    suggestion_id = fields.Int(required=True, allow_none=True,
                               metadata={"description": "The public suggestion heard, if it is public"})
    panel = fields.List(fields.Nested(PanelMemberSchema), required=True,
                        metadata={"description": "The final panel, once the joint selection has completed"})
    audit_record_url = fields.Str(required=True, allow_none=True, metadata={
        "description": "The published selection record (JSON), which anyone can recompute with "
                       "`python -m panel_selection verify`"})


class HearingListSchema(Strict):
    items = fields.List(fields.Nested(HearingSchema), required=True)


class RatioSchema(Strict):
    numerator = fields.Int(required=True)
    denominator = fields.Int(required=True)
    rate = fields.Float(required=True, allow_none=True,
                        metadata={"description": "numerator / denominator; null when there was nothing to count"})


class MetricsSchema(Strict):
    start = fields.Date(required=True, allow_none=True)
    end = fields.Date(required=True, allow_none=True)
    department_id = fields.Int(required=True, allow_none=True)
    metrics = fields.Dict(keys=fields.Str(), values=fields.Nested(RatioSchema), required=True,
                          metadata={"description": "Each metric by its code; definitions at /metrics/"})


class ProblemSchema(Strict):
    """RFC 9457 problem details."""

    type = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str()
