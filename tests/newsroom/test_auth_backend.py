"""The login backend answers as ModelBackend does, its role and permissions from the cache."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom.auth_backend import RoleBackend
from newsroom.models import AccessStamp
from newsroom.roles import ADMIN, EDITOR, access_cache_key, role_of


def _fresh_model_backend_answers(user_id: int) -> tuple[set[str], set[str], set[str], str | None]:
    user = get_user_model().objects.get(pk=user_id)
    backend = ModelBackend()
    return (
        backend.get_user_permissions(user),
        backend.get_group_permissions(user),
        backend.get_all_permissions(user),
        role_of(user),
    )


def _role_backend_answers(user_id: int) -> tuple[set[str], set[str], set[str], str | None]:
    backend = RoleBackend()
    user = backend.get_user(user_id)
    return (
        backend.get_user_permissions(user),
        backend.get_group_permissions(user),
        backend.get_all_permissions(user),
        role_of(user),
    )


def _role_backend_answers_from_the_cache(user_id: int) -> tuple:
    """The answers for a user loaded afresh, with the cache warm: the user's query only."""
    _role_backend_answers(user_id)  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        answers = _role_backend_answers(user_id)
    assert len(queries) == 1, [q["sql"] for q in queries]
    return answers


# `db` is named: the fixture is looked up at run time, and pytest-django orders database
# tests before transactional ones (which flush the role groups) by the fixtures it sees.
@pytest.mark.parametrize("fixture", ["editor", "admin_user", "no_role_user"])
def test_the_role_users_get_what_model_backend_gives_in_one_query(db, request, fixture):
    user = request.getfixturevalue(fixture)
    answers = _role_backend_answers_from_the_cache(user.pk)
    assert answers == _fresh_model_backend_answers(user.pk)
    assert answers[3] == {"editor": EDITOR, "admin_user": ADMIN, "no_role_user": None}[fixture]
    if fixture != "no_role_user":
        assert "newsroom.view_article" in answers[2]


def test_a_users_own_permissions_and_several_groups_count(editor):
    editor.user_permissions.add(Permission.objects.get(codename="delete_label"))
    editor.groups.add(Group.objects.create(name="desk\nadmin"))  # a name that is not a role
    extra = Group.objects.create(name="researchers")
    extra.permissions.add(Permission.objects.get(codename="view_user"))
    editor.groups.add(extra)
    answers = _role_backend_answers_from_the_cache(editor.pk)
    assert answers == _fresh_model_backend_answers(editor.pk)
    assert {"annotations.delete_label", "auth.view_user"} <= answers[2]
    assert answers[3] == EDITOR


def _answers_follow_model_backend(user_id: int) -> tuple:
    answers = _role_backend_answers(user_id)
    assert answers == _fresh_model_backend_answers(user_id)
    return answers


def test_a_role_change_takes_effect_on_the_next_load(editor):
    before = _answers_follow_model_backend(editor.pk)
    assert before[3] == EDITOR
    editor.groups.add(Group.objects.get(name=ADMIN))
    after = _answers_follow_model_backend(editor.pk)
    assert after[3] == ADMIN and "newsroom.review_article" in after[2]
    editor.groups.remove(Group.objects.get(name=ADMIN))
    assert _answers_follow_model_backend(editor.pk) == before
    editor.groups.clear()
    assert _answers_follow_model_backend(editor.pk) == (set(), set(), set(), None)


def test_permission_and_group_changes_take_effect_on_the_next_load(editor):
    _answers_follow_model_backend(editor.pk)
    delete_label = Permission.objects.get(codename="delete_label")
    editor.user_permissions.add(delete_label)
    assert "annotations.delete_label" in _answers_follow_model_backend(editor.pk)[0]
    editor.user_permissions.remove(delete_label)
    assert "annotations.delete_label" not in _answers_follow_model_backend(editor.pk)[2]
    group = Group.objects.get(name=EDITOR)
    group.permissions.remove(Permission.objects.get(codename="add_claim"))
    assert "annotations.add_claim" not in _answers_follow_model_backend(editor.pk)[1]
    group.name = "renamed"  # the role is the group's name
    group.save()
    assert _answers_follow_model_backend(editor.pk)[3] is None


def test_a_change_reaches_processes_whose_cache_it_did_not_touch(editor):
    """A change deletes no cache entry (another process's cache is out of reach): the new
    stamp, read with the user, is what retires the old answers."""
    stale = _answers_follow_model_backend(editor.pk)
    old_key = access_cache_key(editor, AccessStamp.objects.get().version)
    assert cache.get(old_key) is not None
    editor.groups.add(Group.objects.get(name=ADMIN))
    assert cache.get(old_key) is not None  # still there, as in every other process
    assert _answers_follow_model_backend(editor.pk) != stale


def test_becoming_a_superuser_takes_effect_at_once(editor):
    _answers_follow_model_backend(editor.pk)
    editor.is_superuser = True
    editor.save()
    answers = _answers_follow_model_backend(editor.pk)
    assert answers[3] == ADMIN and "auth.delete_group" in answers[2]


def test_inactive_and_missing_users_are_not_loaded(editor):
    editor.is_active = False
    editor.save()
    assert RoleBackend().get_user(editor.pk) is None
    assert RoleBackend().get_user(10**9) is None


def test_inactive_users_hold_no_permission(editor):
    editor.is_active = False
    assert RoleBackend().get_all_permissions(editor) == set()
    assert RoleBackend().get_all_permissions(editor) == ModelBackend().get_all_permissions(editor)


def test_superusers_keep_every_permission(db):
    root = get_user_model().objects.create_superuser("root", password="x")
    user = RoleBackend().get_user(root.pk)
    assert role_of(user) == ADMIN
    assert user.has_perm("auth.delete_group")  # a permission no role carries
    assert user.get_all_permissions() == _fresh_model_backend_answers(root.pk)[2]


def test_a_page_costs_no_permission_or_role_query(editor_client):
    assert editor_client.get(reverse("article_list")).status_code == 200  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        assert editor_client.get(reverse("article_list")).status_code == 200
    about_access = [q["sql"] for q in queries if "auth_" in q["sql"]]
    assert len(about_access) == 1  # the session's query, with the user and the access stamp
    assert '"auth_user"' in about_access[0] and "newsroom_access_stamp" in about_access[0]


def test_a_malformed_user_id_loads_nobody(editor):
    assert RoleBackend().get_user("not-a-number") is None
    assert RoleBackend().get_user(str(editor.pk)).pk == editor.pk
