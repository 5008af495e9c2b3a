"""One login throttle (django-axes) for every door: the app's login, the site admin's and the
API's token check. Failures count per username and per client address, in the database by
default; past the limit, 429 with Retry-After, without checking the password or token."""

from datetime import timedelta
from unittest import mock

from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.db.models import F, Sum
from django.urls import reverse

from newsroom import throttle
from newsroom.accounts import api_token_create
from newsroom.auth_backend import RoleBackend
from tests.conftest import PASSWORD

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
API = "/api/v1/articles"
HERE = "203.0.113.7"
ELSEWHERE = "198.51.100.1"
MESSAGE = "Too many failed attempts; try again in 15 minutes."


def attempt(client, username, password="wrong", address=HERE, url=LOGIN, **headers):  # noqa: S107
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def api_call(client, secret, address=HERE):
    return client.get(API, REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Bearer {secret}")


def fail(client, times, username="erin", address=HERE, url=LOGIN):
    """`times` wrong passwords; returns the status codes."""
    return [attempt(client, username, address=address, url=url).status_code for _ in range(times)]


def failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"]


def age_attempts(by: timedelta) -> None:
    """Move every recorded failure back in time, as if `by` had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def assert_locked(response) -> None:
    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
    assert 890 <= int(response["Retry-After"]) <= 900


def test_the_defaults_are_ten_failures_and_fifteen_minutes_in_the_database(settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert isinstance(AxesProxyHandler.get_implementation(), AxesDatabaseHandler)


# --- The app's login --------------------------------------------------------------------------


def test_ten_failures_for_a_username_then_refused_without_checking_the_password(client, editor):
    # From ten addresses, so that only the username's count reaches the limit.
    for i in range(9):
        assert fail(client, 1, address=f"192.0.2.{i}") == [200]
    response = attempt(client, "erin", address="192.0.2.9")
    assert_locked(response)
    assert "Your username and password didn’t match" not in response.content.decode()
    with mock.patch.object(RoleBackend, "authenticate") as authenticate:
        response = attempt(client, "erin", PASSWORD, address=ELSEWHERE)  # even the right one
    authenticate.assert_not_called()
    assert_locked(response)
    assert "_auth_user_id" not in client.session
    # The page is the login page, with the message and the username kept.
    assert 'role="alert"' in response.content.decode()
    assert 'value="erin"' in response.content.decode()
    # Another account from one of those addresses is not refused: only erin is locked.
    assert attempt(client, "bo", address="192.0.2.0").status_code == 200


def test_the_username_count_ignores_case_and_spaces(client, editor):
    for name in ["erin", "ERIN", " Erin", "erin ", "eRiN"] * 2:
        attempt(client, name, address=ELSEWHERE if name == "erin" else HERE)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"erin"}
    assert attempt(client, "erin", PASSWORD, address="192.0.2.1").status_code == 429


def test_an_address_that_fails_for_many_usernames_is_refused(client, editor):
    for i in range(9):
        assert attempt(client, f"guess{i}").status_code == 200
    assert_locked(attempt(client, "guess9"))
    assert_locked(attempt(client, "erin", PASSWORD))
    # The same user from elsewhere gets in: only the address is locked.
    assert attempt(client, "erin", PASSWORD, address=ELSEWHERE).status_code == 302


def test_a_successful_login_resets_the_username_count(client, editor):
    assert fail(client, 9, address=ELSEWHERE) == [200] * 9
    assert attempt(client, "erin", PASSWORD).status_code == 302
    assert failures(username="erin") is None
    client.logout()
    assert fail(client, 9) == [200] * 9
    assert attempt(client, "erin", PASSWORD, address=ELSEWHERE).status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(client, editor, admin_user):
    # Logging in to one's own account between guesses must not wipe the guesses.
    for i in range(9):
        attempt(client, f"guess{i}")
    assert attempt(client, "ada", PASSWORD).status_code == 302
    client.logout()
    assert_locked(attempt(client, "erin"))


def test_the_lockout_ends_with_the_window(client, editor):
    fail(client, 10)
    assert_locked(attempt(client, "erin", PASSWORD))
    age_attempts(timedelta(minutes=14))
    response = attempt(client, "erin", PASSWORD)
    assert response.status_code == 429
    assert "try again in 1 minute." in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60
    age_attempts(timedelta(minutes=1, seconds=1))
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_refused_attempts_do_not_extend_the_lockout(client, editor):
    fail(client, 10)
    last = AccessAttempt.objects.get().attempt_time
    assert fail(client, 5) == [429] * 5
    assert failures(username="erin") == 10
    assert AccessAttempt.objects.get().attempt_time == last


def test_the_login_page_works_normally(client, editor):
    assert client.get(LOGIN).status_code == 200
    assert attempt(client, "erin", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


# --- The site admin's login ---------------------------------------------------------------


def test_the_site_admin_login_is_throttled_the_same_way(client, admin_user):
    assert fail(client, 9, username="ada", url=ADMIN_LOGIN) == [200] * 9
    assert_locked(attempt(client, "ada", url=ADMIN_LOGIN))
    with mock.patch.object(RoleBackend, "authenticate") as authenticate:
        response = attempt(client, "ada", PASSWORD, url=ADMIN_LOGIN)
    authenticate.assert_not_called()
    assert_locked(response)
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()  # the app's login template


def test_the_doors_share_one_count(client, admin_user):
    assert fail(client, 5, username="ada") == [200] * 5
    assert fail(client, 5, username="ada", url=ADMIN_LOGIN) == [200] * 4 + [429]
    assert_locked(attempt(client, "ada", PASSWORD, url=ADMIN_LOGIN))
    assert_locked(attempt(client, "ada", PASSWORD, address=ELSEWHERE))


# --- The API's token check ----------------------------------------------------------------


def test_bad_tokens_lock_out_the_address_with_a_json_429(client, editor):
    good = api_token_create(user=editor, name="tests")[1]
    for _ in range(9):
        assert api_call(client, "nrt_guess").status_code == 401
    assert failures(ip_address=HERE, username=None) == 9
    response = api_call(client, "nrt_guess")
    assert response.status_code == 429
    assert response.json() == {"detail": MESSAGE}
    assert 890 <= int(response["Retry-After"]) <= 900
    # A locked-out address is refused before its token is looked up, a valid one included.
    with mock.patch("annotations.api.endpoints.api_token_user") as lookup:
        response = api_call(client, good)
    lookup.assert_not_called()
    assert response.status_code == 429
    assert response.json() == {"detail": MESSAGE}
    # Elsewhere the token works, and logging in from there too.
    assert api_call(client, good, address=ELSEWHERE).status_code == 200
    assert attempt(client, "erin", PASSWORD, address=ELSEWHERE).status_code == 302


def test_bad_tokens_from_many_addresses_lock_out_no_one_else(client, editor):
    # No username: each address counts on its own, not one pool for every token failure.
    good = api_token_create(user=editor, name="tests")[1]
    for i in range(12):
        assert api_call(client, "nrt_guess", address=f"192.0.2.{i}").status_code == 401
    assert api_call(client, good).status_code == 200


def test_failed_logins_lock_the_api_from_that_address(client, editor):
    good = api_token_create(user=editor, name="tests")[1]
    for i in range(10):
        attempt(client, f"guess{i}")
    response = api_call(client, good)
    assert response.status_code == 429
    assert response.json() == {"detail": MESSAGE}


def test_requests_without_a_token_are_not_counted(client, db):
    for _ in range(12):
        assert client.get(API, REMOTE_ADDR=HERE).status_code == 401
    assert not AccessAttempt.objects.exists()


# --- Where the counts live, and the client's address ----------------------------------------


def test_failures_are_stored_in_the_database_which_every_worker_reads(client, editor):
    fail(client, 3)
    row = AccessAttempt.objects.get()
    assert (row.username, row.ip_address, row.failures_since_start) == ("erin", HERE, 3)
    # A failure recorded by another worker process is a row like this one: this process
    # sees it at once and refuses.
    AccessAttempt.objects.filter(pk=row.pk).update(failures_since_start=10)
    assert_locked(attempt(client, "erin", PASSWORD))


def test_the_cache_store_counts_in_the_cache(client, editor, settings):
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    assert isinstance(AxesProxyHandler.get_implementation(), AxesCacheHandler)
    assert fail(client, 9) == [200] * 9
    # A success clears the username's count, not the address's.
    assert attempt(client, "erin", PASSWORD, address=ELSEWHERE).status_code == 302
    client.logout()
    assert fail(client, 1) == [429]
    response = attempt(client, "erin", PASSWORD)
    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
    assert response["Retry-After"] == "900"  # a cache entry does not say less: the window
    assert attempt(client, "erin", PASSWORD, address=ELSEWHERE).status_code == 302
    assert not AccessAttempt.objects.exists()
    # What `manage.py axes_reset_ip` does.
    client.logout()
    AxesProxyHandler.reset_attempts(ip_address=HERE)
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_last_forwarded_entry(rf, settings):
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert throttle.client_address(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client can forge the first entry, not the one our proxy appended.
    assert throttle.client_address(request) == "203.0.113.9"
    # Something that is not an address (no proxy after all) falls back to the peer's.
    forged = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="'; DROP TABLE")
    assert throttle.client_address(forged) == "10.0.0.1"
    assert throttle.client_address(rf.post(LOGIN, REMOTE_ADDR="")) is None
    assert throttle.client_address(rf.post(LOGIN, REMOTE_ADDR="fe80::1%eth0")) is None


def test_behind_the_proxy_clients_are_counted_apart(client, editor, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = {"address": "10.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}
    for i in range(10):
        attempt(client, f"guess{i}", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = attempt(client, "erin", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert locked.status_code == 429
    other = attempt(client, "erin", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy)
    assert other.status_code == 302


def test_the_api_documents_the_429(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/articles", "/api/v1/export"]:
        for operation in paths[path].values():
            assert "429" in operation["responses"], (path, operation["operationId"])


def test_the_lockout_page_keeps_a_local_next_and_drops_another_sites(client, editor):
    fail(client, 10)
    for sent, kept in (("/articles/7/", "/articles/7/"), ("https://evil.example/", "")):
        response = client.post(
            LOGIN, {"username": "erin", "password": "wrong", "next": sent}, REMOTE_ADDR=HERE
        )
        assert_locked(response)
        assert f'name="next" value="{kept}"' in response.content.decode()
