"""All models, imported here so Alembic and `db.create_all` see every table."""
from portal.models.base import Base, db  # noqa: F401
from portal.models.accounts import (  # noqa: F401
    Category, Department, District, Role, STAFF_ROLES, User, VerificationCode,
)
from portal.models.suggestions import (  # noqa: F401
    Channel, Conversion, ConversionOutcome, ConversionProgress, ConversionType, DeadlinePolicy,
    Decision, DeclineReason, Dispatch, ExtensionRequest, Follow, Holiday, Notification,
    OPEN_STATUSES, OverdueLogged, PUBLIC_STATUSES, PublicEvent, Rating, RatingLevel, Reply, ReplyTemplate,
    Status, Suggestion, SuggestionEvent, Support, ThemedCall,
)
from portal.models.hearings import (  # noqa: F401
    Hearing, HearingMember, HearingObserver, HearingPostponement, HearingSeat, HearingStatus, MemberKind,
    ObserverState,
)
from portal.models.search import IndexOutbox, search_documents  # noqa: F401
from portal.models.work import DigestDelivery, DigestSubscription, SavedView  # noqa: F401
from portal.models.quality import (  # noqa: F401
    QualityCriterion, QualityReviewEvent, QualityReviewItem, QualitySample, QualityScore, ReviewState,
)
