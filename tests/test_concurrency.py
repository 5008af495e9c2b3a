"""Many editors at once: threads with their own sessions hammer one article's claims over
real HTTP (pytest-django's live server, PostgreSQL), then the database is checked against
every response.

The contract checked (docs/reliability.md, "Concurrency"):

- create: 200 and the claim exists with the snapped offsets, or 422 because the same editor
  already has that label on that span (the unique constraint; "already marked this span");
- edit and delete name the version the editor last read: 200 and the write is applied, or
  409 because the claim is no longer at that version (edited or deleted by someone else);
- no other status (no 5xx, no 404 for a claim deleted under the editor);
- no lost update: per claim, the acknowledged edits were made from versions 1, 2, ..., k,
  each exactly once; the claim is at version k + 1 and holds the last acknowledged edit;
- no spurious refusal: a 409 names a version that an acknowledged edit moved past, or a
  claim that an acknowledged delete removed;
- the history has one row per acknowledged write and none for refused ones.
"""

from __future__ import annotations

import http.client
import random
import re
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection
from django.test import Client

from annotations.models import Claim, Label
from newsroom.accounts import user_create
from newsroom.models import Article, content_hash
from newsroom.roles import ADMIN

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (row locks); SQLite serialises every write",
)

THREADS = 10
OPS_PER_THREAD = 24
WORDS = 40
HOT_SPANS = 10  # creates land on the first words, so spans (and claims) are shared
PANEL = re.compile(r'claims/(\d+)/edit/.*?name="version" value="(\d+)"', re.DOTALL)


@dataclass
class Op:
    thread: int
    kind: str  # create | edit | delete
    status: int
    claim: int | None = None
    version: int | None = None  # edit/delete: the version sent
    note: str = ""
    span: tuple[int, int] | None = None
    body: str = field(default="", repr=False)


class Editor:
    """One editor's browser: a session cookie, a CSRF cookie and header, htmx requests."""

    def __init__(self, base_url: str, session: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.csrf = secrets.token_hex(16)  # a 32-character secret, as the CSRF cookie holds
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"

    def post(self, path: str, data: dict[str, object]) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(
                "POST",
                path,
                body=urlencode(data),
                headers={
                    "Cookie": self.cookie,
                    "X-CSRFToken": self.csrf,
                    "HX-Request": "true",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()


def _word_span(text: str, n: int) -> tuple[int, int]:
    start = text.index(f"word{n} ")
    return start, start + len(f"word{n}")


@pytest.mark.django_db(transaction=True)
def test_concurrent_editors_lose_no_write_and_get_409_for_stale_ones(live_server, reference_data):
    text = " ".join(f"word{i}" for i in range(WORDS)) + "."
    article = Article.objects.create(title="Contested", text=text, content_hash=content_hash(text))
    label = Label.objects.order_by("order").first()
    sessions = []
    for i in range(THREADS):
        user, _ = user_create(username=f"editor{i}", role=ADMIN)
        client = Client()
        client.force_login(user)
        sessions.append((user.pk, client.cookies["sessionid"].value))

    claims: list[int] = []  # acknowledged creates, shared: every thread edits them
    claims_lock = threading.Lock()
    ops: list[Op] = []
    ops_lock = threading.Lock()
    start_gate = threading.Barrier(THREADS)
    base = f"/articles/{article.pk}/claims/"

    def work(n: int) -> None:
        editor = Editor(live_server.url, sessions[n][1])
        rng = random.Random(n)
        known: dict[int, int] = {}  # claim -> the version this editor last read
        start_gate.wait()
        for i in range(OPS_PER_THREAD):
            with claims_lock:
                pool = list(claims)
            roll = rng.random()
            if not pool or roll < 0.35:
                span = _word_span(text, rng.randrange(HOT_SPANS))
                status, body = editor.post(
                    base, {"label": label.slug, "start": span[0], "end": span[1]}
                )
                op = Op(n, "create", status, span=span, body=body)
                if status == 200:
                    claim, version = map(int, PANEL.search(body).groups())
                    op.claim, known[claim] = claim, version
                    with claims_lock:
                        claims.append(claim)
            else:
                # Mostly the first few claims: the same claim from many editors at once.
                claim = rng.choice(pool[:4] if rng.random() < 0.6 else pool)
                version = known.get(claim, 1)
                if roll < 0.88:
                    note = f"t{n}-{i}"
                    status, body = editor.post(
                        f"{base}{claim}/edit/",
                        {"version": version, "label": label.slug, "note": note},
                    )
                    op = Op(n, "edit", status, claim, version, note=note, body=body)
                else:
                    status, body = editor.post(f"{base}{claim}/delete/", {"version": version})
                    op = Op(n, "delete", status, claim, version, body=body)
                if status == 200 and op.kind == "edit":
                    known[claim] = version + 1
                elif status == 409 and (current := PANEL.search(body)):
                    # The conflict shows the claim as it is now: the editor rereads it.
                    known[claim] = int(current.group(2))
            with ops_lock:
                ops.append(op)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.monotonic() - started
    assert len(ops) == THREADS * OPS_PER_THREAD, "a thread died; see the captured output"

    statuses = defaultdict(lambda: defaultdict(int))
    for op in ops:
        statuses[op.kind][op.status] += 1
    summary = {kind: dict(sorted(s.items())) for kind, s in statuses.items()}
    print(f"{len(ops)} requests from {THREADS} editors in {elapsed:.1f} s: {summary}")

    allowed = {"create": {200, 422}, "edit": {200, 409}, "delete": {200, 409}}
    wrong = [op for op in ops if op.status not in allowed[op.kind]]
    assert not wrong, [(o.kind, o.status, o.claim, o.body[:300]) for o in wrong[:3]]

    history = Claim.history.model.objects.filter(article_id=article.pk)
    rows = defaultdict(lambda: defaultdict(list))
    for h in history.order_by("history_id"):
        rows[h.id][h.history_type].append(h)
    created = {op.claim: op for op in ops if op.kind == "create" and op.status == 200}
    edits = defaultdict(list)
    deletes = defaultdict(list)
    for op in ops:
        if op.status == 200 and op.kind == "edit":
            edits[op.claim].append(op)
        elif op.status == 200 and op.kind == "delete":
            deletes[op.claim].append(op)
    now = {c.pk: c for c in Claim.objects.filter(article=article)}

    # Nothing but acknowledged creates exists, or ever existed.
    assert set(rows) == set(created)
    assert set(now) == set(created) - set(deletes)
    for pk, op in created.items():
        (added,) = rows[pk]["+"]
        assert (added.start, added.end, added.label_id) == (*op.span, label.pk)
        assert added.history_user_id == sessions[op.thread][0]
        assert len(deletes[pk]) == len(rows[pk]["-"]) <= 1
        made_from = sorted(e.version for e in edits[pk])
        # No lost update: each version was edited once, and the chain has no gap.
        assert made_from == list(range(1, len(made_from) + 1)), (pk, made_from)
        assert sorted((h.version, h.note) for h in rows[pk]["~"]) == sorted(
            (e.version + 1, e.note) for e in edits[pk]
        )
        if pk in now:
            claim = now[pk]
            assert (claim.start, claim.end) == op.span
            assert claim.version == 1 + len(made_from)
            last = max(edits[pk], key=lambda e: e.version, default=None)
            assert claim.note == (last.note if last else "")
        if deletes[pk]:
            # The delete named the version the claim was at when it went.
            assert deletes[pk][0].version == 1 + len(made_from)

    # Every refusal was deserved.
    for op in ops:
        if op.status == 409:
            moved_past = any(e.version >= op.version for e in edits[op.claim])
            assert moved_past or deletes[op.claim], op
        elif op.status == 422:
            assert "already marked this span" in op.body
            assert any(c.thread == op.thread and c.span == op.span for c in created.values()), op
    assert statuses["edit"][200] and statuses["edit"][409] and statuses["create"][200]
