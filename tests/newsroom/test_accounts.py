"""Accounts made on the Team page: a generated password, cheap to store, full strength after
the first login (issue 18: creating an account took 5.4 s)."""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.test import Client
from django.urls import reverse

from newsroom.accounts import GENERATED_PASSWORD_ROUNDS, user_create


@pytest.fixture
def django_hashers(settings):
    # Django's own default (the tests otherwise use a fast MD5 hasher, tests/conftest.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def rounds(encoded: str) -> int:
    algorithm, iterations, _salt, _hash = encoded.split("$")
    assert algorithm == "pbkdf2_sha256"
    return int(iterations)


def test_it_stores_a_generated_password_with_few_rounds_until_the_first_login(django_hashers, db):
    user, password = user_create(username="newbie", role="editor")
    assert len(password) == 16
    assert rounds(user.password) == GENERATED_PASSWORD_ROUNDS < PBKDF2PasswordHasher.iterations
    assert check_password(password, user.password)
    assert not check_password(password + "x", user.password)

    client = Client()
    response = client.post(reverse("login"), {"username": "newbie", "password": password})
    assert response.status_code == 302
    user.refresh_from_db()
    # Django re-hashed it at full strength as it checked it; the session survives that.
    assert rounds(user.password) == PBKDF2PasswordHasher.iterations
    assert check_password(password, user.password)
    assert client.get(reverse("article_list")).status_code == 200


def test_a_password_a_person_sets_gets_the_full_rounds(django_hashers, db):
    user, _ = user_create(username="newbie", role="editor")
    user.set_password("a phrase of her own choosing")
    user.save()
    assert rounds(user.password) == PBKDF2PasswordHasher.iterations


def test_another_default_hasher_is_used_as_it_is(db):
    # The tests' MD5 hasher (tests/conftest.py) has no rounds to lower: used as configured.
    user, password = user_create(username="newbie", role="editor")
    assert re.match(r"md5\$", user.password) and check_password(password, user.password)


def test_the_team_page_shows_the_password_that_logs_in(django_hashers, admin_client_):
    response = admin_client_.post(reverse("team"), {"username": "newbie", "role": "editor"})
    password = re.search(r'<code class="secret">([^<]+)</code>', response.content.decode())[1]
    response = Client().post(reverse("login"), {"username": "newbie", "password": password})
    assert response.status_code == 302 and response.url == reverse("article_list")
