"""Django's database sessions, read with a query compiled once per process.

`SESSION_ENGINE`. Every request of a logged-in user reads its session row first; the ORM
spent longer building that query than the database spent answering it (newsroom.compiled).
Expiry is checked here instead of in the WHERE clause, so that the query has one parameter.
Writing, expiry clean-up and everything else are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .compiled import KeyedQuery

# Session keys are 32 lowercase letters and digits: this one is never issued.
_SESSION_ROW = KeyedQuery(
    Session, lambda key: Session.objects.filter(session_key=key), "-newsroom-placeholder-"
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        session = _SESSION_ROW.first(self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None  # as Django's: an unknown or expired key starts afresh
            return None
        return session
