"""People, their roles, and the reference tables administrators keep (departments, categories, districts)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models.base import db
from portal.timeutil import utcnow


class Role(str, enum.Enum):
    RESIDENT = "resident"
    DEPARTMENT_STAFF = "department_staff"
    OFFICE_STAFF = "office_staff"
    HEARING_AUTHORITY = "hearing_authority"
    ADMIN = "admin"


STAFF_ROLES = (Role.DEPARTMENT_STAFF, Role.OFFICE_STAFF, Role.HEARING_AUTHORITY, Role.ADMIN)
_role_values = ", ".join(f"'{r.value}'" for r in Role)


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Reference names are data in Simplified Chinese; English is kept beside them and
    # Traditional script is derived (see portal.i18n.localized_name).
    name_en: Mapped[str] = mapped_column(String(120), default="")
    # The suggestion office is a department too, but it never receives dispatches.
    is_office: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    staff: Mapped[list["User"]] = relationship(back_populates="department")


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Reference names are data in Simplified Chinese; English is kept beside them and
    # Traditional script is derived (see portal.i18n.localized_name).
    name_en: Mapped[str] = mapped_column(String(120), default="")
    # The department that usually handles this category; a hint for dispatch, not a rule.
    default_department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)

    default_department: Mapped[Optional[Department]] = relationship()


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Reference names are data in Simplified Chinese; English is kept beside them and
    # Traditional script is derived (see portal.i18n.localized_name).
    name_en: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN ({_role_values})", name="role_known"),
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="has_login"),
        # Department staff always belong to exactly one department.
        CheckConstraint("role != 'department_staff' OR department_id IS NOT NULL", name="staff_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    email: Mapped[Optional[str]] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    # Residents choose whether public pages show their masked name or "anonymous".
    prefers_anonymous: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(30), default=Role.RESIDENT.value)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"))
    locale: Mapped[Optional[str]] = mapped_column(String(10))
    notifications_enabled: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Optional[Department]] = relationship(back_populates="staff")

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard modern scheme.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {r.value if isinstance(r, Role) else r for r in roles}

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""

    @property
    def masked_name(self) -> str:
        """The name public pages may show: first character, then stars (张**)."""
        name = self.display_name.strip()
        if not name:
            return "**"
        return name[0] + "*" * max(2, len(name) - 1)


class LoginAttempt(db.Model):
    """Failed log-ins, counted per login name to throttle guessing across all workers."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_name: Mapped[str] = mapped_column(String(254), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FormDraft(db.Model):
    """Form text kept server-side when a session expired mid-typing, so nothing is lost.

    Kept in the database rather than the cookie: a long suggestion outgrows a 4 KB cookie.
    """

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("token", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(300))
    data_json: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
