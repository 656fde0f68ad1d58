"""Locale choice and locale-aware helpers.

Order of preference: the signed-in user's saved choice, the choice remembered in the cookie,
the browser's Accept-Language, then Simplified Chinese.
"""
from __future__ import annotations

from functools import lru_cache

from flask import request
from flask_babel import get_locale
from flask_login import current_user

LOCALES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
DEFAULT_LOCALE = "zh_Hans"
LOCALE_COOKIE = "locale"
# <html lang> values (BCP 47) for each catalog.
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}

_HANT_REGIONS = {"tw", "hk", "mo", "hant"}


def locale_from_accept_language(header_values) -> str | None:
    """Map a browser's language list (zh-CN, zh-TW, zh-Hant-HK, en-GB …) onto our catalogs."""
    for value, _quality in header_values:
        parts = value.lower().replace("_", "-").split("-")
        if parts[0] == "en":
            return "en"
        if parts[0] == "zh":
            return "zh_Hant" if _HANT_REGIONS & set(parts[1:]) else "zh_Hans"
    return None


def select_locale() -> str:
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    remembered = request.cookies.get(LOCALE_COOKIE)
    if remembered in LOCALES:
        return remembered
    return locale_from_accept_language(request.accept_languages) or DEFAULT_LOCALE


def current_locale_code() -> str:
    locale = get_locale()
    if locale is None:
        return DEFAULT_LOCALE
    if locale.language == "en":
        return "en"
    return "zh_Hant" if locale.script == "Hant" else "zh_Hans"


@lru_cache(maxsize=1)
def _s2t():
    import opencc  # opencc-python-reimplemented; loaded once, on first Traditional page

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def localized_name(obj) -> str:
    """Reference data (departments, categories …) in the reader's language.

    Names are kept in Simplified Chinese with an English column; Traditional is derived.
    """
    if obj is None:
        return ""
    locale = current_locale_code()
    if locale == "en" and getattr(obj, "name_en", ""):
        return obj.name_en
    if locale == "zh_Hant":
        return to_traditional(obj.name)
    return obj.name
