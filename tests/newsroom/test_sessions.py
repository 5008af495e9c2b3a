"""Sessions: Django's database engine (its query prepared: newsroom/prepared.py); logging out,
a password change, expiry or a deleted user end them."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsroom.auth_backend import RoleBackend
from newsroom.models import UserSession as Session
from newsroom.sessions import user_read_with_session
from tests.conftest import PASSWORD


def test_logging_in_and_out_goes_through_the_database(client, editor):
    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(pk=key).exists()
    assert client.get(reverse("article_list")).status_code == 200
    client.post(reverse("logout"))
    assert not Session.objects.filter(pk=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get(reverse("article_list")).status_code == 302


def test_a_logged_in_request_reads_its_session_and_its_user_in_one_query(editor_client, editor):
    editor_client.get(reverse("article_list"))  # the role and permissions, cached
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(reverse("article_list"))
    assert response.status_code == 200
    assert response.context["user"].pk == editor.pk
    about_auth = [q["sql"] for q in queries if "_session" in q["sql"] or "auth_" in q["sql"]]
    assert len(about_auth) == 1, about_auth
    assert 'FROM "newsroom_session"' in about_auth[0] and '"auth_user"' in about_auth[0]


def test_the_session_row_names_its_user_and_goes_with_it(client, editor):
    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    row = Session.objects.get(pk=client.cookies["sessionid"].value)
    assert row.user_id == editor.pk
    editor.delete()
    assert not Session.objects.filter(pk=row.pk).exists()


def test_the_user_read_with_a_session_serves_only_that_request(editor_client, editor):
    """The hand-off from the session's query to the backend is one-shot: a request whose
    session read brought no user (or another user) never gets an earlier request's user."""
    assert editor_client.get(reverse("article_list")).status_code == 200
    assert user_read_with_session(editor.pk) is None  # taken by that request's backend
    assert RoleBackend().get_user(editor.pk).pk == editor.pk  # read afresh, its own query
    editor.is_active = False
    editor.save()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_deleted_session_row_logs_out(editor_client):
    """Sessions can be ended server-side (the reason they are not signed cookies)."""
    Session.objects.all().delete()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_changed_password_ends_other_sessions(editor_client, editor):
    editor.set_password("a-new-and-different-password")
    editor.save()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_changed_password_ends_sessions_in_progress_even_with_a_warm_cache(editor_client, editor):
    assert editor_client.get(reverse("article_list")).status_code == 200
    editor.set_password("a-new-and-different-password")
    editor.save()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_deleted_users_sessions_log_nobody_in(editor_client, editor):
    assert editor_client.get(reverse("article_list")).status_code == 200
    editor.delete()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_deactivated_user_is_logged_out(editor_client, editor):
    assert editor_client.get(reverse("article_list")).status_code == 200
    editor.is_active = False
    editor.save()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_an_expired_session_logs_out(editor_client):
    assert editor_client.get(reverse("article_list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_a_session_key_the_server_never_issued_is_not_adopted(client, editor):
    """Session fixation: a made-up key is dropped, and logging in issues a new one."""
    client.cookies["sessionid"] = "x" * 32
    assert client.get(reverse("article_list")).status_code == 302
    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    assert client.cookies["sessionid"].value != "x" * 32
    assert not Session.objects.filter(pk="x" * 32).exists()
