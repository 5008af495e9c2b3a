"""What a web process loads as it starts, so that no user's first request waits for it.

A web process (runserver, each gunicorn worker, an ASGI server) builds Django's request
handler once, before it serves anything, and the handler makes each middleware in
settings.MIDDLEWARE once (where it is listed does not matter); management commands build
none, so they stay quick to start (docs/performance.md, "Start-up"). `WarmUpMiddleware` is
listed there only to run at that moment: it loads what the first requests would otherwise
wait for, then takes itself out of the chain (Django's `MiddlewareNotUsed`), so no request
passes through it.

What it loads (issue 18; figures in docs/performance.md, "First requests after a start"):

- the spaCy tokenizer that snaps selections to words (claims and "Add entity"), only that,
  not the model's tagger, parser and NER, which run in the analysis workers;
- the URLconf and with it every view module, and the API's OpenAPI document (the docs page
  loads it at once).

Under gunicorn each worker loads them after the fork; with `--preload` the master loads them
once and the workers share the memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from annotations.api.endpoints import api
from entities.pipeline import get_tokenizer

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load the tokenizer, the URLconf and the OpenAPI document, once per process."""
    started = time.perf_counter()
    try:
        get_tokenizer()
        # Resolving the API's root imports the URLconf; the document is then built and kept.
        api.get_openapi_schema()
    except Exception:
        # The process still starts (a missing spaCy model is `manage.py check`'s to report):
        # what failed here is tried again, and fails visibly, by the request that needs it.
        logger.exception("warming up failed; the first request that needs it will retry")
        return
    logger.debug("warmed up in %.0f ms", (time.perf_counter() - started) * 1000)


class WarmUpMiddleware:
    """Runs `warm_up` when the web process builds its request handler, then steps aside."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        warm_up()
        raise MiddlewareNotUsed("warmed up; no request needs this middleware")
