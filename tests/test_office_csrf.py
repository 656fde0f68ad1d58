"""The office's actions are POST forms protected by CSRF: a forged request changes nothing."""
from __future__ import annotations

import re

import pytest

from portal.models import Role, Status


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_accept_without_the_form_token_is_refused_and_with_it_works(client, factory):
    office = factory.user(Role.OFFICE_STAFF)
    suggestion = factory.suggestion()
    login_page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/account/login", data={"login": office.login_name, "password": factory.PASSWORD, "csrf_token": token})

    forged = client.post(f"/office/suggestions/{suggestion.id}/accept", data={})
    assert forged.status_code == 400 and suggestion.status == Status.SUBMITTED.value

    page = client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(f"/office/suggestions/{suggestion.id}/accept", data={"csrf_token": token, "confirmed": "1"})
    assert suggestion.status == Status.ACCEPTED.value
