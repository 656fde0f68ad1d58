"""All models, imported here so Alembic and `db.create_all` see every table."""
from portal.models.base import Base, db  # noqa: F401
from portal.models.accounts import (  # noqa: F401
    Category, Department, District, FormDraft, LoginAttempt, Role, STAFF_ROLES, User,
)
from portal.models.suggestions import (  # noqa: F401
    Channel, Conversion, ConversionOutcome, ConversionProgress, ConversionType, DeadlinePolicy,
    Decision, DeclineReason, Dispatch, ExtensionRequest, Follow, Holiday, Notification,
    OPEN_STATUSES, PUBLIC_STATUSES, Rating, RatingLevel, Reply, ReplyTemplate, Status, Suggestion,
    SuggestionEvent, Support, ThemedCall,
)
from portal.models.search import IndexOutbox  # noqa: F401
