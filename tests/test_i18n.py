"""Three languages everywhere: complete catalogs, a switcher that remembers, Accept-Language."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.commands.translate import KEYWORDS, LOCALES, ROOT, po_path

PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d|\{\w*\}")


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[str]:
    """Every message id in the code and templates now, extracted afresh."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg",
                    *keywords, "-o", str(pot), "."], check=True, cwd=ROOT)
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_message(source_messages, locale):
    with po_path(locale).open("rb") as fh:
        catalog = read_po(fh)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog
                  if m.id and not m.fuzzy and all(m.string if isinstance(m.string, (list, tuple)) else [m.string])}
    missing = sorted(source_messages - set(translated))
    assert missing == [], f"{locale} lacks {len(missing)}: run `flask translate update` and translate"
    for msgid, message in translated.items():
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(set(PLACEHOLDER.findall(msgid))) or \
                set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(msgid)), (locale, msgid, string)


def test_simplified_chinese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and "首页" in page


@pytest.mark.parametrize("header, expected_lang, word", [
    ("en-GB,en;q=0.9", "en", "Home"),
    ("zh-TW,zh;q=0.9", "zh-Hant", "首頁"),
    ("zh-HK", "zh-Hant", "首頁"),
    ("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans", "首页"),
    ("fr-FR", "zh-Hans", "首页"),
])
def test_accept_language_on_first_visit(client, header, expected_lang, word):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected_lang}">' in page
    assert word in page


def test_switcher_remembers_the_choice_over_accept_language(client):
    response = client.post("/locale", data={"locale": "zh_Hant", "next": "/about"})
    assert response.status_code == 302 and response.headers["Location"] == "/about"
    page = client.get("/about", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hant">' in page and "您的隱私" in page
    client.post("/locale", data={"locale": "en", "next": "/"})
    assert "Your privacy" in client.get("/about").get_data(as_text=True)


def test_switcher_ignores_unknown_locales_and_foreign_redirects(client):
    response = client.post("/locale", data={"locale": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="zh-Hans">' in client.get("/").get_data(as_text=True)


def test_signed_in_users_keep_their_language_across_devices(client, auth, factory, app):
    user = factory.resident()
    auth.login(user)
    client.post("/locale", data={"locale": "en", "next": "/"})
    other_device = app.test_client()
    other_device.post("/account/login", data={"login": user.login_name, "password": factory.PASSWORD})
    assert '<html lang="en">' in other_device.get("/").get_data(as_text=True)


@pytest.mark.parametrize("locale, title", [("zh_Hans", "页面不存在"), ("zh_Hant", "頁面不存在"), ("en", "Page not found")])
def test_error_pages_in_each_language(client, locale, title):
    client.post("/locale", data={"locale": locale, "next": "/"})
    response = client.get("/no-such-page")
    assert response.status_code == 404 and title in response.get_data(as_text=True)


@pytest.mark.parametrize("locale, expected", [("zh_Hans", "2026年11月25日"), ("en", "Nov 25, 2026")])
def test_dates_follow_the_locale(app, locale, expected):
    from datetime import datetime, timezone

    from flask_babel import force_locale, format_date

    with app.test_request_context("/"), force_locale(locale):
        assert format_date(datetime(2026, 11, 25, 3, tzinfo=timezone.utc)) == expected
