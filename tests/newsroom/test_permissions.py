"""Every page needs a login; roles decide the rest."""

import pytest
from django.urls import reverse

from newsroom.importer import articles_import
from newsroom.models import Article


@pytest.fixture
def article(db):
    articles_import(records=[(1, {"title": "T", "text": "Body"})])
    return Article.objects.get()


PAGES = ["article_list", "article_new", "article_upload", "team", "password_change"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_anonymous_visitors_cannot_open_an_article_or_post(client, article):
    assert client.get(article.get_absolute_url()).status_code == 302
    assert client.post(reverse("article_new"), {"title": "x", "text": "y"}).status_code == 302
    assert Article.objects.count() == 1


def test_the_login_page_is_public(client, db):
    assert client.get(reverse("login")).status_code == 200


def test_logging_in_opens_the_article_list(client, editor):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("article_list")


@pytest.mark.parametrize("name", ["article_list", "article_new", "article_upload"])
def test_editors_reach_the_editor_pages(editor_client, name):
    assert editor_client.get(reverse(name)).status_code == 200


def test_editors_cannot_reach_admin_only_pages(editor_client, editor):
    response = editor_client.get(reverse("team"))
    assert response.status_code == 403
    assert "This page is for admins" in response.content.decode()
    assert (
        editor_client.post(reverse("team"), {"username": "x", "role": "admin"}).status_code == 403
    )
    # The Django admin is for staff only: editors are sent to its login.
    assert editor_client.get(reverse("admin:index")).status_code == 302


def test_admins_reach_admin_pages_and_create_users(admin_client_):
    assert admin_client_.get(reverse("admin:index")).status_code == 200
    response = admin_client_.post(reverse("team"), {"username": "newbie", "role": "editor"})
    page = response.content.decode()
    assert "Created newbie" in page and "shown only this once" in page
    from django.contrib.auth import get_user_model

    newbie = get_user_model().objects.get(username="newbie")
    assert list(newbie.groups.values_list("name", flat=True)) == ["editor"] and not newbie.is_staff


def test_a_user_without_a_role_is_told_to_ask_for_one(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("article_list"))
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


def test_navigation_shows_admin_links_to_admins_only(editor, admin_user):
    from django.test import Client

    pages = {}
    for user in (editor, admin_user):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get(reverse("article_list")).content.decode()
    assert f'href="{reverse("team")}"' not in pages[editor.username]
    assert f'href="{reverse("team")}"' in pages[admin_user.username]


def test_the_role_groups_hold_exactly_the_listed_permissions(db):
    from django.contrib.auth.models import Group

    from newsroom.roles import ROLE_PERMISSIONS

    for role, wanted in ROLE_PERMISSIONS.items():
        granted = set(
            Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        assert granted == set(wanted)
