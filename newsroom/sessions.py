"""Django's database sessions, read together with their user in one prepared query.

`SESSION_ENGINE`. Every request of a logged-in user reads its session row, then its user
(with role and permissions: newsroom.auth_backend). The session model (`UserSession`) keeps
the user's id in a column, so one query brings both: the store keeps the user it read, and
`RoleBackend.get_user` takes it from there when the session names that same user. The query
is compiled once per connection (newsroom.compiled). Expiry is checked here rather than in
the WHERE clause, so that the session key is the query's one value. Writing, expiry
clean-up (`clearsessions`) and everything else are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from .auth_backend import ACCESS_FIELDS, access_annotations
from .compiled import PreparedQuery
from .models import UserSession


def _session_with_user(key: str):
    return (
        UserSession.objects.filter(session_key=key)
        .select_related("user")
        .annotate(**access_annotations("user_id"))
    )


# Session keys are 32 lowercase letters and digits: the placeholder is never issued.
_SESSION_WITH_USER = PreparedQuery(_session_with_user, key="-newsroom-placeholder-")


def _user_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    # The user read with the session (with role and permissions), or None.
    loaded_user: Any = None

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        session = super().create_model_instance(data)
        session.user_id = _user_id(data)
        return session

    def _get_session_from_db(self) -> Any:
        self.loaded_user = None
        session = _SESSION_WITH_USER.first(key=self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None  # as Django's: an unknown or expired key starts afresh
            return None
        if session.user is not None:
            for name in ACCESS_FIELDS:
                setattr(session.user, name, getattr(session, name))
            self.loaded_user = session.user
        return session
