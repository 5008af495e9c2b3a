"""Least privilege in the site admin: only a superuser changes privileges (issue 15, case 4)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from newsroom.roles import ADMIN, EDITOR


def _change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _form(user, **extra) -> dict:
    """The user change form as a browser posts it, with `extra` fields added."""
    joined = user.date_joined
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        **extra,
    }


@pytest.mark.django_db
def test_it_refuses_an_app_admin_making_itself_superuser(admin_client_, admin_user):
    editor_group = Group.objects.get(name=EDITOR)
    response = admin_client_.post(
        _change_url(admin_user),
        _form(
            admin_user,
            is_superuser="on",
            is_staff="on",
            groups=[editor_group.pk],
            user_permissions=[],
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    assert set(admin_user.groups.values_list("name", flat=True)) == {ADMIN}
    # The page that made it superuser before stays closed.
    assert admin_client_.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.django_db
def test_it_shows_privileges_to_an_app_admin_as_read_only(admin_client_, admin_user):
    page = admin_client_.get(_change_url(admin_user)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    assert 'name="email"' in page  # the rest stays editable


@pytest.mark.django_db
def test_it_keeps_an_app_admin_out_of_a_superusers_account(admin_client_):
    root = get_user_model().objects.create_superuser("root", password="x" * 20)
    # It may view the account (the role can view users), read only: nothing to submit.
    page = admin_client_.get(_change_url(root)).content.decode()
    assert 'name="username"' not in page and 'name="is_active"' not in page
    response = admin_client_.post(_change_url(root), _form(root, is_active=""))
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert admin_client_.get(password_url).status_code == 403
    response = admin_client_.post(
        password_url, {"password1": "new-password-123", "password2": "new-password-123"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("x" * 20)


@pytest.mark.django_db
def test_a_superuser_still_grants_privileges(client, editor):
    root = get_user_model().objects.create_superuser("root", password="x" * 20)
    client.force_login(root)
    response = client.post(_change_url(editor), _form(editor, is_staff="on"))
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.is_staff
