"""Login throttling: failed logins per username and per address; 429 without a password check."""

from unittest import mock

import pytest
from django.urls import reverse

from newsroom import throttle
from tests.conftest import PASSWORD

LOGIN = reverse("login")


def attempt(client, username, password="wrong", address="203.0.113.7", **headers):  # noqa: S107
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    settings.LOGIN_FAILURE_WINDOW = 15 * 60
    return settings


def test_five_failures_for_a_username_then_refused_without_checking_the_password(
    client, editor, limits
):
    for _ in range(5):
        response = attempt(client, "erin")
        assert response.status_code == 200
        assert "didn’t match" in response.content.decode()
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = attempt(client, "erin", PASSWORD)  # even the right password
    authenticate.assert_not_called()
    assert response.status_code == 429
    assert "Too many failed attempts; try again in 15 minutes." in response.content.decode()
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session
    # Another address is refused too: the limit is on the account.
    assert attempt(client, "erin", PASSWORD, address="198.51.100.1").status_code == 429
    # Another account from the same address is not.
    assert attempt(client, "bo", address="203.0.113.7").status_code == 200


def test_the_username_counter_ignores_case_and_spaces(client, editor, limits):
    for name in ["erin", "ERIN", " Erin", "erin ", "eRiN"]:
        attempt(client, name)
    assert attempt(client, "erin", PASSWORD).status_code == 429


def test_a_successful_login_resets_the_username_counter(client, editor, limits):
    for _ in range(4):
        attempt(client, "erin")
    response = attempt(client, "erin", PASSWORD)
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "erin").status_code == 200
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_an_address_that_fails_for_many_usernames_is_refused(client, editor, limits):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    for i in range(6):
        assert attempt(client, f"guess{i}").status_code == 200
    response = attempt(client, "erin", PASSWORD)
    assert response.status_code == 429
    # The same user from elsewhere gets in: only the address is blocked.
    assert attempt(client, "erin", PASSWORD, address="198.51.100.1").status_code == 302


def test_the_window_ends(client, editor, limits):
    now = 1_000_000.0
    with mock.patch("newsroom.throttle.time.time", return_value=now):
        for _ in range(5):
            attempt(client, "erin")
        assert attempt(client, "erin").status_code == 429
    with mock.patch("newsroom.throttle.time.time", return_value=now + 14 * 60):
        response = attempt(client, "erin")
        assert response.status_code == 429
        assert "try again in 1 minute." in response.content.decode()
    # The cache entries expire with the window; simulate their expiry.
    from django.core.cache import cache

    cache.clear()
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_refused_attempts_do_not_extend_the_block(client, editor, limits):
    for _ in range(5):
        attempt(client, "erin")
    for _ in range(10):
        assert attempt(client, "erin").status_code == 429
    from django.core.cache import cache

    key = throttle._key("user", "erin")
    assert cache.get(key) == 5


def test_behind_the_proxy_the_address_is_the_last_forwarded_entry(rf, settings):
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert throttle.client_address(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client can forge the first entry, not the one our proxy appended.
    assert throttle.client_address(request) == "203.0.113.9"


def test_the_login_page_works_normally(client, editor, limits):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert attempt(client, "erin", PASSWORD).status_code == 302
