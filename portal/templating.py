"""Template globals: locale switcher data, localized reference names, navigation helpers."""
from __future__ import annotations

from flask import Flask, current_app

from portal.i18n import HTML_LANG, LOCALES, current_locale_code, localized_name
from portal import labels
from portal.services.privacy import mask_personal_data


def register(app: Flask) -> None:
    # Public pages render residents' text through this filter: {{ s.problem|public_text }}.
    app.add_template_filter(mask_personal_data, "public_text")

    @app.context_processor
    def inject():
        locale = current_locale_code()
        return {
            "LOCALES": LOCALES,
            "current_locale": locale,
            "html_lang": HTML_LANG[locale],
            "localized_name": localized_name,
            "has_endpoint": _has_endpoint,
            "labels": labels,
        }


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions
