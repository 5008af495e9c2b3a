"""Sessions: Django's database engine on `UserSession` (Django's documented way to extend it:
a session model with a column of its own), read with the signed-in user in one query.

Every request of a logged-in user reads its session and then its user (Django's
`AuthenticationMiddleware` calls the backend's `get_user` with the id the session holds).
Here the session's row comes joined to its user's row and the access stamp (the row the role
cache is keyed by, newsroom.roles), through a prepared query (newsroom.prepared), and the
user is handed to `newsroom.auth_backend.RoleBackend.get_user` for this request: one query
where Django's engine and ModelBackend make two. Django's own checks all still run on it:
the session's expiry here, and in `django.contrib.auth.get_user` the backend path and the
session hash (a changed password ends the session).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from .models import UserSession
from .prepared import PreparedQuery
from .roles import STAMP_ATTRIBUTE, access_stamp

# The user read with this context's (this request's) session: (user id, user), taken once.
_READ_WITH_SESSION: ContextVar[tuple[Any, Any] | None] = ContextVar(
    "newsroom_user_read_with_session", default=None
)

_SESSION = PreparedQuery(
    lambda key: (
        UserSession.objects.filter(session_key=key)
        .select_related("user")
        .annotate(**{STAMP_ATTRIBUTE: access_stamp()})
    ),
    key="\x00newsroom-session-placeholder",
)


def user_read_with_session(user_id: Any) -> Any:
    """The user with this id if the session just read brought it, else None; once only (a
    second call, or a later request on this thread, reads the user afresh)."""
    read = _READ_WITH_SESSION.get()
    _READ_WITH_SESSION.set(None)
    if read is None or read[0] != user_id:
        return None
    return read[1]


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def load(self) -> dict[str, Any]:
        # `load()` is the method Django's docs name for a session engine to implement; this
        # is the database engine's, with the user read in the same query. As Django's, a
        # missing or expired session drops the key sent, so that a save makes a new one.
        # Expiry is checked here rather than in SQL: a time is a value the ORM converts (to
        # text on SQLite), so it cannot be a prepared query's placeholder.
        _READ_WITH_SESSION.set(None)
        row = _SESSION.first(key=self.session_key) if self.session_key else None
        if row is None or row.expire_date <= timezone.now():
            self._session_key = None
            return {}
        if row.user is not None:
            setattr(row.user, STAMP_ATTRIBUTE, getattr(row, STAMP_ATTRIBUTE))
            _READ_WITH_SESSION.set((row.user_id, row.user))
        return self.decode(row.session_data)

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session


def _user_id(value: Any) -> int | None:
    # What login() stored (the user's pk as a string); anything else names no row.
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
