"""Login throttling: failed logins are counted per username and per client address in Django's
cache; past the limit, further attempts are refused (HTTP 429) without checking the password.

Each counter lives in a fixed window that starts at its first failure
(`LOGIN_FAILURE_WINDOW` seconds). A successful login clears its username's counter, not the
address's, so one account cannot be used to reset guessing against others from that address.

The default cache is per process: under gunicorn with several workers each keeps its own
counts, so an attacker gets up to workers x limit tries per window. Set `CACHE_URL` to a shared
cache (Redis or the database cache) in a multi-process deployment; see README, "Configuration".
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

_PREFIX = "login-failures"


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind the TLS proxy (`BEHIND_TLS_PROXY`), REMOTE_ADDR is the
    proxy's, so the last X-Forwarded-For entry (the one our proxy appended) is used; earlier
    entries come from the client and could be forged."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind: str, value: str) -> str:
    # Hashed: usernames may hold characters some cache backends refuse in keys.
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return f"{_PREFIX}:{kind}:{digest}"


def _counters(username: str, address: str) -> list[tuple[str, int]]:
    counters = [(_key("ip", address), settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)]
    username = username.strip().casefold()
    if username:
        counters.insert(0, (_key("user", username), settings.LOGIN_FAILURE_LIMIT))
    return counters


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes == 1 else "minutes"
        return f"Too many failed attempts; try again in {self.minutes} {unit}."


def refusal(username: str, address: str) -> Refusal | None:
    """A Refusal when this username or address has used up its failed attempts, else None."""
    now = time.time()
    waits = []
    for key, limit in _counters(username, address):
        if (cache.get(key) or 0) >= limit:
            until = cache.get(f"{key}:until") or now + settings.LOGIN_FAILURE_WINDOW
            waits.append(until - now)
    return Refusal(retry_after=max(1, math.ceil(max(waits)))) if waits else None


def record_failure(username: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    for key, _limit in _counters(username, address):
        # add() only sets a missing key: the window runs from the first failure.
        if cache.add(key, 0, timeout=window):
            cache.set(f"{key}:until", time.time() + window, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            cache.set(f"{key}:until", time.time() + window, timeout=window)


def record_success(username: str) -> None:
    key = _key("user", username.strip().casefold())
    cache.delete_many([key, f"{key}:until"])


class LoginView(auth_views.LoginView):
    """Django's login view, refusing attempts once a username or address has failed too often."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        refused = refusal(username, client_address(request))
        if refused is not None:
            form = self.get_form_class()(request, initial={"username": username})
            response = self.render_to_response(
                self.get_context_data(form=form, throttled=refused.message), status=429
            )
            response["Retry-After"] = str(refused.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        record_success(self.request.POST.get("username", ""))
        return super().form_valid(form)

    def form_invalid(self, form) -> HttpResponse:
        record_failure(self.request.POST.get("username", ""), client_address(self.request))
        return super().form_invalid(form)
