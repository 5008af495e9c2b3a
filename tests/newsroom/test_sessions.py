"""The session engine: Django's database sessions, read with a compiled query."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
    Session.objects.filter(pk=store.session_key).update(
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
    assert Session.objects.filter(pk=key).exists()
    assert client.get(reverse("article_list")).status_code == 200
    client.post(reverse("logout"))
    assert not Session.objects.filter(pk=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get(reverse("article_list")).status_code == 302
