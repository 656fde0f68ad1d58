"""A believable city for local use and demos. Idempotent: loading twice adds nothing.

The reference data here (departments, categories, districts, time limits) is also what a real
deployment starts from; administrators edit it afterwards.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    Category, DeadlinePolicy, DeclineReason, Department, District, Holiday, Role, User,
)
from portal.services import accounts
from portal.services.demo_responsibilities import RESPONSIBILITIES

# slug, Chinese name, English name; the office first. The seven departments match the
# categories of the shared real messages (../shared/data/README.md).
DEPARTMENTS = [
    ("office", "人民建议征集办公室", "People's Suggestion Office"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("environment", "生态环境局", "Ecology and Environment Bureau"),
    ("transport", "交通运输局", "Transport Bureau"),
    ("education", "教育局", "Education Bureau"),
    ("hrss", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("commerce", "商务局", "Commerce Bureau"),
    ("health", "卫生健康委员会", "Health Commission"),
]

# slug, Chinese name (as the shared data labels it), English name, usual department.
CATEGORIES = [
    ("urban-rural", "城乡建设", "Urban and rural development", "housing"),
    ("environment", "环境保护", "Environmental protection", "environment"),
    ("transport", "交通运输", "Transport", "transport"),
    ("education-culture", "教育文体", "Education, culture and sport", "education"),
    ("labour-social-security", "劳动和社会保障", "Labour and social security", "hrss"),
    ("commerce-tourism", "商贸旅游", "Commerce and tourism", "commerce"),
    ("health", "卫生计生", "Health and family planning", "health"),
]

# The districts of 衢州, the city of the 有礼租 story (seed 000).
DISTRICTS = [
    ("kecheng", "柯城区", "Kecheng District"),
    ("qujiang", "衢江区", "Qujiang District"),
    ("longyou", "龙游县", "Longyou County"),
    ("jiangshan", "江山市", "Jiangshan City"),
    ("changshan", "常山县", "Changshan County"),
    ("kaihua", "开化县", "Kaihua County"),
]

DECLINE_REASONS = [
    ("not-a-suggestion", "属于投诉举报或个人诉求，不属于人民建议，请通过相应渠道反映", "A complaint or personal claim, not a suggestion; please use the proper channel"),
    ("in-litigation", "已进入诉讼、仲裁或行政复议程序", "Already in litigation, arbitration or administrative review"),
    ("outside-jurisdiction", "不属于本级政府职责范围", "Outside this government's responsibilities"),
    ("no-content", "内容不明确，无法办理", "Too unclear to handle"),
    ("unlawful", "内容违反法律法规或公序良俗", "Contrary to law or public order"),
]

# Statutory defaults (信访工作条例 2022 and common local practice) and the 10-30-24 fast track.
POLICIES = [
    dict(code="statutory", name="法定时限", is_default=True),
    dict(code="fast-track", name="民意速办（10-30-24）", accept_days=1, reply_days=15, acknowledge_minutes=10,
         callback_minutes=30, first_round_hours=24),
]

# Public holidays and adjusted working days (调休) per the State Council's notices for 2025 and
# 2026; administrators add later years as they are announced.
HOLIDAYS_OFF = {
    "元旦": ["2025-01-01", "2026-01-01", "2026-01-02", "2026-01-03"],
    "春节": [f"2025-01-{d}" for d in range(28, 32)] + [f"2025-02-0{d}" for d in range(1, 5)]
           + [f"2026-02-{d}" for d in range(15, 24)],
    "清明节": ["2025-04-04", "2025-04-05", "2025-04-06", "2026-04-04", "2026-04-05", "2026-04-06"],
    "劳动节": [f"2025-05-0{d}" for d in range(1, 6)] + [f"2026-05-0{d}" for d in range(1, 6)],
    "端午节": ["2025-05-31", "2025-06-01", "2025-06-02", "2026-06-19", "2026-06-20", "2026-06-21"],
    "中秋节": ["2026-09-25", "2026-09-26", "2026-09-27"],
    "国庆节": [f"2025-10-0{d}" for d in range(1, 9)] + [f"2026-10-0{d}" for d in range(1, 8)],
}
HOLIDAYS_WORKED = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                   "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

# One account per role, for local use only; the README prints these.
DEMO_PASSWORD = "demo-2026"
DEMO_ACCOUNTS = [
    ("13800000001", "李明", Role.RESIDENT, None),
    ("13800000002", "王芳", Role.RESIDENT, None),
    ("housing@demo.gov.cn", "陈建国", Role.DEPARTMENT_STAFF, "housing"),
    ("hrss@demo.gov.cn", "周慧", Role.DEPARTMENT_STAFF, "hrss"),
    ("office@demo.gov.cn", "刘洋", Role.OFFICE_STAFF, "office"),
    ("hearing@demo.gov.cn", "孙立", Role.HEARING_AUTHORITY, None),
    ("admin@demo.gov.cn", "管理员", Role.ADMIN, None),
]


def _upsert_reference(session: Session, model, slug: str, **values):
    item = session.scalar(select(model).where(model.slug == slug))
    if item is None:
        item = model(slug=slug, **values)
        session.add(item)
        session.flush()
    return item


def load_reference_data(session: Session) -> dict[str, Department]:
    departments = {}
    for slug, name, name_en in DEPARTMENTS:
        departments[slug] = _upsert_reference(session, Department, slug, name=name, name_en=name_en,
                                              is_office=(slug == "office"),
                                              responsibilities=RESPONSIBILITIES.get(slug, ""))
    for slug, name, name_en, department in CATEGORIES:
        _upsert_reference(session, Category, slug, name=name, name_en=name_en,
                          default_department_id=departments[department].id)
    for slug, name, name_en in DISTRICTS:
        _upsert_reference(session, District, slug, name=name, name_en=name_en)
    for code, name, name_en in DECLINE_REASONS:
        if session.scalar(select(DeclineReason).where(DeclineReason.code == code)) is None:
            session.add(DeclineReason(code=code, name=name, name_en=name_en))
    for values in POLICIES:
        if session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.code == values["code"])) is None:
            session.add(DeadlinePolicy(**values))
    known_days = set(session.scalars(select(Holiday.day)))
    for name, days in HOLIDAYS_OFF.items():
        for day in map(date.fromisoformat, days):
            if day not in known_days:
                session.add(Holiday(day=day, is_workday=False, name=name))
    for day in map(date.fromisoformat, HOLIDAYS_WORKED):
        if day not in known_days:
            session.add(Holiday(day=day, is_workday=True, name="调休上班"))
    from portal.services import quality

    quality.seed_criteria(session)  # the common quality-review checklist (评查)
    session.flush()
    return departments


def load_demo_accounts(session: Session, departments: dict[str, Department]) -> dict[str, User]:
    users = {}
    for login, name, role, department in DEMO_ACCOUNTS:
        user = accounts.find_by_login(session, login)
        if user is None:
            user = accounts.create_user(session, login, DEMO_PASSWORD, name, role=role,
                                        department_id=departments[department].id if department else None)
        users[login] = user
    return users


# The real messages beside the checkout (developers' machines and CI); read at run time, never copied.
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SHARED_FILES = ("messages.jsonl", "replies.jsonl", "supports.jsonl")


def load_shared_messages(session: Session, folder: Path = SHARED_DATA) -> int:
    """Import ../shared/data (messages dispatched, replies answered and published, supports counted)."""
    from portal.services.suggestion_import import import_rows, read_rows

    created = 0
    for name in SHARED_FILES:
        if (folder / name).is_file():
            created += import_rows(session, read_rows(folder / name)).created
    return created


def load(session: Session, shared_data: Path | None = SHARED_DATA) -> dict:
    """Load everything the demo needs; returns counts for the command to print."""
    departments = load_reference_data(session)
    users = load_demo_accounts(session, departments)
    counts = {"departments": len(departments), "accounts": len(users)}
    from portal.services import demo_suggestions

    counts["demo suggestions added"] = demo_suggestions.load(session, users)
    if shared_data is not None and shared_data.is_dir():
        counts["shared messages imported"] = load_shared_messages(session, shared_data)
    from portal.services import demo_hearings

    counts.update(demo_hearings.load(session, departments, users))
    return counts
