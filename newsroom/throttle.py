"""Login throttling, as django-axes does it, fitted to this site: what the settings'
`AXES_*_CALLABLE`s and `AXES_LOCKOUT_PARAMETERS` name, and the lockout answer.

Every door counts into the same store: the app's login and the site admin's (both call
Django's `authenticate`, which axes' backend guards) and the API's token check
(annotations.api.endpoints.TokenAuth). Failures are counted per username and per client
address; past `AXES_FAILURE_LIMIT` on either, that door answers 429 until the cool-off has
passed, without checking the password or token. The store is the database by default
(axes' AccessAttempt rows: every worker process reads the same counts) or a shared cache
(`LOGIN_FAILURES_STORE=cache` with `CACHE_URL=redis://…`); see docs/reliability.md.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessBase
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

# What the API's token check reports to axes: no username, so a bad token counts against the
# client's address only (lockout_parameters).
_TOKEN_CREDENTIALS: dict[str, Any] = {}
# AccessAttempt.username's length; casefolding can lengthen a name ("ß" -> "ss").
_USERNAME_MAX = 255


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address. Behind the TLS proxy (`BEHIND_TLS_PROXY`), REMOTE_ADDR is the
    proxy's, so the last X-Forwarded-For entry (the one our proxy appended) is used; earlier
    entries come from the client and could be forged. None when there is no valid address."""
    candidates = [request.META.get("REMOTE_ADDR", "")]
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.headers.get("X-Forwarded-For", "")
        candidates.insert(0, forwarded.rsplit(",", 1)[-1].strip())
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        # Stored in a GenericIPAddressField: PostgreSQL's inet refuses anything else,
        # an IPv6 zone ("fe80::1%eth0") included.
        if not getattr(address, "scope_id", None):
            return str(address)
    return None


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username an attempt was for, as counted: stripped and casefolded, so "Erin " and
    "erin" share one count. None when the attempt names no user (an API token)."""
    source = request.POST if credentials is None else credentials
    username = source.get(_username_field(), None)
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip().casefold()[:_USERNAME_MAX]


def _username_field() -> str:
    return get_user_model().USERNAME_FIELD


def lockout_parameters(
    request_or_attempt: HttpRequest | AccessBase, credentials: dict[str, Any] | None = None
) -> list[str]:
    """Count by username and by client address, each on its own: ["username", "ip_address"].
    An attempt with no username (a bad API token) counts by address only; axes would otherwise
    pool every address's token failures under one empty username and lock the API for all."""
    if isinstance(request_or_attempt, AccessBase):
        username, address = request_or_attempt.username, request_or_attempt.ip_address
    else:
        username = login_username(request_or_attempt, credentials)
        address = client_address(request_or_attempt)
    present = [name for name, value in (("username", username), ("ip_address", address)) if value]
    return present or ["ip_address"]


def retry_after(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Seconds until this request's lockout ends (at least 1)."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    ends = [
        _lockout_end(attempts, request, credentials) for attempts in _counted(request, credentials)
    ]
    latest = max((end for end in ends if end is not None), default=now + cool_off)
    return max(1, math.ceil((latest - now).total_seconds()))


def _counted(request: HttpRequest, credentials: dict[str, Any] | None) -> list:
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, AxesDatabaseHandler):
        # A cache entry does not say when it expires: the full cool-off is the upper bound
        # (refused attempts do not extend it, AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
        return []
    return handler.get_user_attempts(request, credentials)


def _lockout_end(attempts: Any, request: HttpRequest, credentials: Any) -> datetime | None:
    # The count is the sum over rows whose last failure is within the cool-off: newest first,
    # the row that brings the sum to the limit is the one whose ageing ends the lockout.
    limit = get_failure_limit(request, credentials)
    total = 0
    for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
        "attempt_time", "failures_since_start"
    ):
        total += failures
        if total >= limit:
            return attempt_time + get_cool_off(request)
    return None


def lockout_message(seconds: int) -> str:
    """What a locked-out client is told: "Too many failed attempts; try again in N minutes."."""
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed attempts; try again in {minutes} {unit}."


class NextForm(forms.Form):
    """The login form's `next`: a URL on this site, or nothing."""

    next = forms.CharField(required=False, max_length=2000)

    def safe_next(self, request: HttpRequest) -> str:
        """`next` when it is a URL on this site, else ""."""
        if not self.is_valid():
            return ""
        url = self.cleaned_data["next"]
        allowed = url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return url if allowed else ""


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None,
    credentials: dict[str, Any] | None,
) -> HttpResponse:
    """Axes' answer to a locked-out attempt (AXES_LOCKOUT_CALLABLE): HTTP 429 with Retry-After,
    as JSON to a door that answers JSON (the API), else the app's login page with the message,
    for the app's login and the site admin's alike."""
    seconds = retry_after(request, credentials)
    message = lockout_message(seconds)
    content_type = original_response.get("Content-Type", "") if original_response else ""
    if content_type.startswith("application/json"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        username = (credentials or {}).get(_username_field()) or ""
        form = AuthenticationForm(request, initial={"username": username})
        # Where to go after logging in, echoed into the form only when it is a safe local URL.
        after = NextForm(request.POST)
        context = {"form": form, "throttled": message, "next": after.safe_next(request)}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def token_check_refused(request: HttpRequest) -> bool:
    """True when the client's address is locked out: the API's token check then refuses
    without looking the token up. The request is marked locked out, as axes' backend marks a
    login, so AxesMiddleware answers it with `lockout_response` (429 JSON)."""
    if AxesProxyHandler.is_allowed(request, _TOKEN_CREDENTIALS):
        return False
    request.axes_locked_out = True
    request.axes_credentials = _TOKEN_CREDENTIALS
    return True


def count_bad_token(request: HttpRequest) -> None:
    """Count a bad API token as a failed login for the client's address (axes documents
    sending `user_login_failed` for a door that does not use `authenticate`)."""
    user_login_failed.send(sender=__name__, credentials=_TOKEN_CREDENTIALS, request=request)


def forget_username_failures(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On a successful login, clear that username's failures, not its address's: axes' own
    AXES_RESET_ON_SUCCESS clears the address too, which would let someone with one account
    reset guessing against others from the same address by logging in between guesses."""
    username = login_username(request, {_username_field(): user.get_username()})
    if username:
        AxesProxyHandler.reset_attempts(username=username)


def connect() -> None:
    """Connect the reset on successful login (NewsroomConfig.ready)."""
    user_logged_in.connect(forget_username_failures, dispatch_uid="newsroom.throttle")
