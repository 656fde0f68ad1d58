"""People, their roles, and the reference tables administrators keep (departments, categories, districts)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
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
    # What it handles (职责清单), as words and phrases: the routing hint compares new
    # suggestions with it (search_index.routing). Public information, edited by administrators.
    responsibilities: Mapped[str] = mapped_column(Text, default="")

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
        # A deleted account keeps its row (suggestions point at it) but no way to log in.
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL OR deleted_at IS NOT NULL", name="has_login"),
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
    # Part of the id kept in session and remember-me cookies: raising it (log-out, password change
    # or reset) ends every session the account has anywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[Optional[datetime]]

    department: Mapped[Optional[Department]] = relationship(back_populates="staff")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

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


class VerificationCode(db.Model):
    """A one-time code sent to a phone number or e-mail address, to register or to reset a password.

    Only a keyed hash of the code is kept. A registration keeps the chosen name and the password's
    hash here until the code is confirmed; the account exists only after that.
    """

    __tablename__ = "verification_code"
    __table_args__ = (CheckConstraint("purpose IN ('register', 'reset')", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(254), index=True)  # the normalised phone or e-mail
    code_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    payload_json: Mapped[str] = mapped_column(db.Text, default="{}")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]
