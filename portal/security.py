"""Access policies for views, declared on each view so the route × role test can read them.

Every view must carry exactly one of these decorators; tests/test_route_matrix.py fails for any
endpoint without one, so no route escapes the permission matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.models import Role


@dataclass(frozen=True)
class AccessPolicy:
    public: bool = False
    roles: frozenset[str] = frozenset()  # empty with public=False: any signed-in user

    def allows(self, role: str | None) -> bool:
        if self.public:
            return True
        if role is None:
            return False
        return not self.roles or role in self.roles


def _attach(view: Callable, policy: AccessPolicy) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not policy.public:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if policy.roles and current_user.role not in policy.roles:
                abort(403)
        return view(*args, **kwargs)

    wrapper.access_policy = policy
    return wrapper


def public(view: Callable) -> Callable:
    return _attach(view, AccessPolicy(public=True))


def signed_in(view: Callable) -> Callable:
    return _attach(view, AccessPolicy())


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        return _attach(view, AccessPolicy(roles=frozenset(r.value for r in roles)))
    return decorator
