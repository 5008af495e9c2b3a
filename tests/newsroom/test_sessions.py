"""The session engine: Django's database sessions, read with their user in one prepared query."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsroom.models import UserSession
from newsroom.sessions import SessionStore


def test_a_session_is_written_and_read_back_in_one_query(db):
    store = SessionStore()
    store["answer"] = 42
    store.create()
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(store.session_key)["answer"] == 42
    assert len(queries) == 1
    assert store.session_key in queries[0]["sql"]


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key(db):
    store = SessionStore()
    store["answer"] = 42
    store.create()
    UserSession.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}


def test_logging_in_and_out_goes_through_the_engine(client, editor):
    from tests.conftest import PASSWORD

    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    assert UserSession.objects.filter(pk=key).exists()
    assert client.get(reverse("article_list")).status_code == 200
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(pk=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get(reverse("article_list")).status_code == 302


def test_a_logged_in_request_reads_its_session_and_user_in_one_query(editor_client, editor):
    key = editor_client.cookies["sessionid"].value
    assert UserSession.objects.get(pk=key).user_id == editor.pk
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(reverse("article_list"))
    assert response.status_code == 200
    assert response.context["user"].pk == editor.pk
    about_users = [q["sql"] for q in queries if '"auth_user"' in q["sql"]]
    assert len(about_users) == 1, about_users
    assert 'FROM "newsroom_user_session"' in about_users[0]


def test_the_session_data_names_the_user_not_the_column(editor_client, editor, other_editor):
    """The column only saves a query: a row whose column disagreed would not change who is
    logged in (the user named in the signed session data is loaded on its own)."""
    key = editor_client.cookies["sessionid"].value
    UserSession.objects.filter(pk=key).update(user=other_editor)
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(reverse("article_list"))
    assert response.context["user"].pk == editor.pk
    assert sum('"auth_user"' in q["sql"] for q in queries) == 2


def test_an_anonymous_session_has_no_user(db):
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert UserSession.objects.get(pk=store.session_key).user_id is None
    loaded = SessionStore(store.session_key)
    assert loaded["answer"] == 42
    assert loaded.loaded_user is None


def test_a_changed_password_still_ends_other_sessions(editor_client, editor):
    editor.set_password("a-new-and-different-password")
    editor.save()
    assert editor_client.get(reverse("article_list")).status_code == 302


def test_deleting_a_user_deletes_their_sessions(editor_client, editor):
    key = editor_client.cookies["sessionid"].value
    editor.delete()
    assert not UserSession.objects.filter(pk=key).exists()
    assert editor_client.get(reverse("article_list")).status_code == 302
