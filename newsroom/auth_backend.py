"""The login backend: Django's ModelBackend, its permission answers read from the role cache.

Every request of a logged-in user loads the user (the session names it), then checks a
permission (each view is behind one) and often the role (navigation, review rules). With
ModelBackend that is four queries: the user, its own permissions, its groups' permissions,
its group names. Here the user comes with the session's query (newsroom.sessions) or, for a
session read otherwise, in a query of its own; either reads the access stamp too, and the
role and both permission sets come from Django's cache under that stamp
(`newsroom.roles.access_of`), so the checks that follow cost no query. Only documented
backend methods are overridden; the answers are ModelBackend's (a test compares them).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .prepared import ID_PLACEHOLDER, PreparedQuery
from .roles import STAMP_ATTRIBUTE, access_of, access_stamp
from .sessions import user_read_with_session


def _no_answer(user_obj: Any, obj: Any) -> bool:
    # ModelBackend's rule: inactive and anonymous users, and object permissions, get none.
    return not user_obj.is_active or user_obj.is_anonymous or obj is not None


def _user_with_stamp(pk: Any) -> Any:
    users = get_user_model()._default_manager.annotate(**{STAMP_ATTRIBUTE: access_stamp()})
    return users.filter(pk=pk)


# Every request of a logged-in user runs it: compiled once (newsroom/prepared.py).
_USER_WITH_STAMP = PreparedQuery(_user_with_stamp, pk=ID_PLACEHOLDER)


class RoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The active user with this id, read with the access stamp; else None."""
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None  # a session naming a malformed id: nobody
        user = user_read_with_session(pk)  # read with the session, in its query
        if user is None:
            user = _USER_WITH_STAMP.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The user's own permissions, as ModelBackend answers, from the role cache."""
        if _no_answer(user_obj, obj):
            return set()
        return set(access_of(user_obj).user_permissions)

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The permissions of the user's groups, as ModelBackend answers, from the role cache."""
        if _no_answer(user_obj, obj):
            return set()
        return set(access_of(user_obj).group_permissions)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Both sets, as ModelBackend answers, from the role cache."""
        if _no_answer(user_obj, obj):
            return set()
        access = access_of(user_obj)
        return set(access.user_permissions | access.group_permissions)
