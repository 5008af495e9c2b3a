"""The authorisation matrix (issue 8): every URL of the app, requested as anonymous, editor A
(erin), editor B (bo) and an admin (ada), on objects that belong to someone else, checked
against one table.

The table is generated against the URL resolver: `test_every_route_is_in_the_table` walks
`get_resolver()` (includes, the ninja API and Django's admin) and fails on a route the table
does not cover, so a new route must get its row here. The admin site's 79 generated patterns
are covered by a handful of representative rows (ADMIN_SAMPLES): they all go through
`AdminSite.admin_view` (is_staff, then the model's permissions).

Outcomes: `login` (302 to a login page, 401 from the API), `denied` (403 or 404), `ok` (2xx, or
a 3xx that is not the login redirect), `refused` (past authorisation, the input is refused:
400/409/422: the import without a file, the invalid claim form and the API's unknown
ordering, where it is the refusal of the input that the row is about). Every POST answered
`login`, `denied` or `refused` must leave the database exactly as it was (`_snapshot`).

docs/reliability.md ("Authorisation") describes the approach and the figures.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from annotations.models import Assignment, Claim, ClaimOrigin, Label, ReviewEvent
from entities.models import EntityMention, Origin, SpanStatus
from newsroom.accounts import api_token_create
from newsroom.models import ApiToken, Article, ImportJob, Outlet

ACTORS = ("anon", "a", "b", "admin")
SECRET = "B-PRIVATE-NOTE"  # the note on B's claim of the double-annotated article
# How the history names B's claim there (label and text): A must not read it anywhere.
SECRET_SUBJECT = "Anonymous source “A spokesman”"
TEXT = (
    "Officials said the minister denied the report on Monday.\n\n"
    "A spokesman for Acme Corp declined to comment, according to Reuters."
)


# --- The world: B owns everything A asks for ----------------------------------------------


@dataclass
class World:
    a: Any
    b: Any
    admin: Any
    outlet: Outlet
    article: Article  # created by B, assigned to B only
    claim: Claim  # B's claim on `article`
    suggestion: Claim  # a rule suggestion on `article`
    mention: EntityMention  # a mention B corrected on `article`
    double: Article  # A and B assigned: each sees only their own claims
    double_claim: Claim  # B's claim on `double`: A must not see or touch it
    double_suggestion: Claim  # a rule suggestion on `double`: hidden from both editors
    label: Label
    job: ImportJob | None = None  # B's import job
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> API secret
    token_b: ApiToken | None = None


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def _article(title: str, user, outlet) -> Article:
    text = f"{title}\n\n{TEXT}"
    return Article.objects.create(
        title=title,
        text=text,
        outlet=outlet,
        created_by=user,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def _claim(
    article, phrase, slug, author, origin=ClaimOrigin.EDITOR, status=SpanStatus.ACCEPTED, note=""
):
    start = article.text.index(phrase)
    return Claim.objects.create(
        note=note,
        article=article,
        start=start,
        end=start + len(phrase),
        label=Label.objects.get(slug=slug),
        author=author,
        origin=origin,
        status=status,
    )


@pytest.fixture
def world(editor, other_editor, admin_user) -> World:
    outlet = Outlet.objects.create(name="Wire")
    article = _article("B's article", other_editor, outlet)
    Assignment.objects.create(article=article, editor=other_editor, assigned_by=admin_user)
    start = article.text.index("Acme Corp")
    mention = EntityMention.objects.create(
        article=article,
        start=start,
        end=start + len("Acme Corp"),
        label="ORG",
        origin=Origin.EDITOR,
        status=SpanStatus.ACCEPTED,
        created_by=other_editor,
        updated_by=other_editor,
    )
    double = _article("The double-annotated one", other_editor, outlet)
    for user in (editor, other_editor):
        Assignment.objects.create(article=double, editor=user, assigned_by=admin_user)
    w = World(
        a=editor,
        b=other_editor,
        admin=admin_user,
        outlet=outlet,
        article=article,
        claim=_claim(article, "Officials", "anonymous_source", other_editor),
        suggestion=_claim(
            article, "declined to comment", "no_comment", None, ClaimOrigin.RULE, "suggested"
        ),
        mention=mention,
        double=double,
        double_claim=_claim(double, "A spokesman", "anonymous_source", other_editor, note=SECRET),
        double_suggestion=_claim(
            double, "declined to comment", "no_comment", None, ClaimOrigin.RULE, "suggested"
        ),
        label=Label.objects.get(slug="hedge"),
    )
    w.job = ImportJob.objects.create(
        kind=ImportJob.Kind.ARTICLES, filename="b.jsonl", data=b"", created_by=other_editor
    )
    for actor, user in (("a", editor), ("b", other_editor), ("admin", admin_user)):
        token, secret = api_token_create(user=user, name=f"{user.username}'s CMS")
        w.tokens[actor] = secret
        if actor == "b":
            w.token_b = token
    return w


def _snapshot() -> dict[str, list]:
    """Everything an action could change, as plain rows."""
    return {
        "articles": list(Article.objects.order_by("pk").values_list("pk", "status", "version")),
        "claims": list(
            Claim.objects.order_by("pk").values_list(
                "pk", "version", "status", "author_id", "label_id", "note"
            )
        ),
        "mentions": list(
            EntityMention.objects.order_by("pk").values_list("pk", "status", "label", "updated_by")
        ),
        "assignments": list(Assignment.objects.order_by("pk").values_list("article", "editor")),
        "events": list(ReviewEvent.objects.order_by("pk").values_list("pk")),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        "labels": list(Label.objects.order_by("pk").values_list("pk", "name", "colour")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "password")),
        "outlets": list(Outlet.objects.order_by("pk").values_list("pk", "name")),
        "jobs": list(ImportJob.objects.order_by("pk").values_list("pk", "state")),
    }


# --- The table ----------------------------------------------------------------------------

L, D, O, R = "login", "denied", "ok", "refused"  # noqa: E741 (a table reads better terse)


@dataclass(frozen=True)
class Row:
    """One request: the route's name, method, path arguments and body, and the outcome
    expected for (anon, A, B, admin)."""

    name: str
    method: str
    expect: tuple[str, str, str, str]
    kwargs: Callable[[World], dict] = lambda w: {}
    data: Callable[[World], dict] = lambda w: {}
    query: str = ""
    htmx: bool = False
    api: bool = False  # authenticate with the actor's bearer token, not a session
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{'[' + self.variant + ']' if self.variant else ''}"


def _art(w):
    return {"pk": w.article.pk}


def _dbl(w):
    return {"pk": w.double.pk}


def _claim_data(claim: Claim, **extra) -> dict:
    return {"version": claim.version, "label": claim.label.slug, "note": "changed", **extra}


def _label_data(label: Label) -> dict:
    return {
        "name": label.name + " (edited)",
        "slug": label.slug,
        "kind": label.kind,
        "shortcut": label.shortcut,
        "colour": label.colour,
        "description": label.description,
        "order": label.order,
    }


ALL_BUT_ANON = (L, O, O, O)
ADMIN_ONLY = (L, D, D, O)
OWNER = (L, D, O, O)  # B (the owner) and admins; A is denied

TABLE: list[Row] = [
    # Pages
    Row("home", "GET", ALL_BUT_ANON),
    Row("favicon", "GET", (O, O, O, O)),  # a redirect to the static icon, for every browser
    Row("article_list", "GET", ALL_BUT_ANON),
    Row("article_new", "GET", ALL_BUT_ANON),
    Row("article_upload", "GET", ALL_BUT_ANON),
    Row("import_job", "GET", OWNER, lambda w: {"job_id": w.job.pk}),
    Row("article_detail", "GET", ALL_BUT_ANON, _art),
    Row("article_detail", "GET", ALL_BUT_ANON, _dbl, variant="double"),
    Row("review_queue", "GET", ALL_BUT_ANON),
    Row("article_history", "GET", ALL_BUT_ANON, _art),
    Row("article_history", "GET", ALL_BUT_ANON, _dbl, variant="double"),
    Row("article_merge", "GET", ADMIN_ONLY, _dbl),
    Row("dashboard", "GET", ADMIN_ONLY),
    Row("dashboard_articles", "GET", ADMIN_ONLY),
    Row("corpus_export", "GET", ALL_BUT_ANON),
    Row("corpus_export", "GET", ALL_BUT_ANON, query="download=1", variant="download"),
    Row("corpus_export", "GET", ALL_BUT_ANON, query="download=1&format=doccano", variant="doccano"),
    Row("label_studio_config", "GET", ALL_BUT_ANON),
    Row("label_list", "GET", ALL_BUT_ANON),
    Row("label_new", "GET", ADMIN_ONLY),
    Row("label_edit", "GET", ADMIN_ONLY, lambda w: {"label_id": w.label.pk}),
    Row("label_css", "GET", ALL_BUT_ANON),
    Row("team", "GET", ADMIN_ONLY),
    Row("login", "GET", (O, O, O, O)),
    Row("password_change", "GET", ALL_BUT_ANON),
    Row("password_change_done", "GET", ALL_BUT_ANON),
    Row("api_tokens", "GET", ALL_BUT_ANON),
    # htmx fragments
    Row("analysis_status", "GET", ALL_BUT_ANON, _art, htmx=True),
    Row(
        "mention_detail",
        "GET",
        ALL_BUT_ANON,
        lambda w: {"pk": w.article.pk, "mention_id": w.mention.pk},
        htmx=True,
    ),
    Row(
        "claim_detail",
        "GET",
        ALL_BUT_ANON,
        lambda w: {"pk": w.article.pk, "claim_id": w.claim.pk},
        htmx=True,
    ),
    Row(
        "claim_detail",
        "GET",
        OWNER,
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        htmx=True,
        variant="double",
    ),
    Row(
        "claim_detail",
        "GET",
        (L, D, D, D),
        lambda w: {"pk": w.article.pk, "claim_id": w.double_claim.pk},
        htmx=True,
        variant="wrong-article",
    ),
    # Actions (htmx POSTs and form POSTs)
    Row("article_new", "POST", ALL_BUT_ANON, data=lambda w: {"title": "New", "text": "Body."}),
    Row(
        "article_upload",
        "POST",
        ALL_BUT_ANON,
        data=lambda w: {"file": SimpleUploadedFile("note.txt", b"Uploaded\n\nA short text.")},
    ),
    Row("reanalyse", "POST", ALL_BUT_ANON, _art),
    Row(
        "mention_create",
        "POST",
        ALL_BUT_ANON,
        _art,
        data=lambda w: {
            "start": w.article.text.index("Reuters"),
            "end": w.article.text.index("Reuters") + 7,
            "label": "ORG",
        },
    ),
    Row(
        "mention_update",
        "POST",
        # Entities are one shared layer: any editor corrects any mention (no owner).
        ALL_BUT_ANON,
        lambda w: {"pk": w.article.pk, "mention_id": w.mention.pk},
        data=lambda w: {"action": "reject"},
        htmx=True,
    ),
    Row(
        "claim_new",
        "POST",
        ALL_BUT_ANON,
        _art,
        data=lambda w: {
            "label": "hedge",
            "start": w.article.text.index("denied"),
            "end": w.article.text.index("denied") + 6,
        },
        htmx=True,
    ),
    Row(
        "claim_edit",
        "POST",
        OWNER,
        lambda w: {"pk": w.article.pk, "claim_id": w.claim.pk},
        data=lambda w: _claim_data(w.claim),
        htmx=True,
    ),
    # A's answer for B's hidden claim is the answer for a claim that does not exist (issue 15,
    # case 6: hidden means absent): "deleted, nothing was saved" (409), telling nothing.
    Row(
        "claim_edit",
        "POST",
        (L, R, O, O),
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        data=lambda w: _claim_data(w.double_claim),
        htmx=True,
        variant="double",
    ),
    Row(
        "claim_edit",
        "POST",
        (L, R, R, R),
        # An invalid form must not answer A with the (hidden) claim's panel.
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        data=lambda w: {"version": "x"},
        htmx=True,
        variant="double-invalid",
    ),
    Row(
        "claim_remove",
        "POST",
        OWNER,
        lambda w: {"pk": w.article.pk, "claim_id": w.claim.pk},
        data=lambda w: {"version": w.claim.version},
        htmx=True,
    ),
    Row(
        "claim_remove",
        "POST",
        (L, R, O, O),  # hidden means absent, as for claim_edit above
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        data=lambda w: {"version": w.double_claim.version},
        htmx=True,
        variant="double",
    ),
    Row(
        "claim_undo",
        "POST",
        # Its history names nobody (made outside the app): nothing of anyone's to undo, so a
        # refusal for all, writing nothing (an undo that succeeds: test_workbench.py).
        (L, R, R, R),
        lambda w: {"pk": w.article.pk, "claim_id": w.claim.pk},
        data=lambda w: {"version": w.claim.version},
        htmx=True,
    ),
    Row(
        "claim_undo",
        "POST",
        (L, R, R, R),  # hidden from A: the same refusal as for a claim that is not theirs
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        data=lambda w: {"version": w.double_claim.version},
        htmx=True,
        variant="double",
    ),
    Row(
        "suggestion_review",
        "POST",
        ALL_BUT_ANON,  # a suggestion on a single-annotated article is anyone's to review
        lambda w: {"pk": w.article.pk, "claim_id": w.suggestion.pk},
        data=lambda w: {"decision": "reject", "version": w.suggestion.version},
        htmx=True,
    ),
    Row(
        "suggestion_review",
        "POST",
        (L, D, R, R),  # B's own claim is no suggestion: B and admin are refused on input
        lambda w: {"pk": w.double.pk, "claim_id": w.double_claim.pk},
        data=lambda w: {"decision": "accept", "version": w.double_claim.version},
        htmx=True,
        variant="double-others-claim",
    ),
    Row(
        "suggestion_review",
        "POST",
        ADMIN_ONLY,  # hidden from both editors while they annotate on their own
        lambda w: {"pk": w.double.pk, "claim_id": w.double_suggestion.pk},
        data=lambda w: {"decision": "accept", "version": w.double_suggestion.version},
        htmx=True,
        variant="double-suggestion",
    ),
    Row(
        "suggestions_accept",
        "POST",
        ALL_BUT_ANON,
        _art,
        data=lambda w: {"label": "no_comment"},
        htmx=True,
    ),
    Row(
        "suggestions_accept",
        "POST",
        ADMIN_ONLY,  # the double-annotated article's suggestions are hidden from editors
        _dbl,
        data=lambda w: {"label": "no_comment"},
        htmx=True,
        variant="double",
    ),
    Row("article_sources", "GET", ALL_BUT_ANON, _art, htmx=True),
    Row("article_rejected", "GET", ALL_BUT_ANON, _dbl, htmx=True, variant="double"),
    # A sees the sources of A's own claims only: B's "A spokesman" must not show.
    Row("article_sources", "GET", ALL_BUT_ANON, _dbl, htmx=True, variant="double"),
    Row(
        "sources_merge",
        "POST",
        ALL_BUT_ANON,  # past authorisation; the service moves only what the user sees
        _art,
        data=lambda w: {"source": 1, "into": 2},
    ),
    Row(
        "sources_split",
        "POST",
        ALL_BUT_ANON,
        lambda w: {"pk": w.double.pk},
        data=lambda w: {"claim": w.double_claim.pk},  # hidden from A: refused, unchanged
        variant="double",
    ),
    Row(
        "review_step",
        "POST",
        OWNER,  # assigned to B only: A may not submit it
        _art,
        data=lambda w: {"action": "submit", "version": w.article.version},
    ),
    Row("review_comment", "POST", ALL_BUT_ANON, _art, data=lambda w: {"comment": "Looks fine."}),
    Row("review_assign", "POST", ADMIN_ONLY, _art, data=lambda w: {"editors": [w.a.pk]}),
    Row("article_merge", "POST", ADMIN_ONLY, _dbl, data=lambda w: {"keep": [w.double_claim.pk]}),
    Row("corpus_import", "POST", (L, D, D, R)),  # admin: no file, so the form refuses it
    Row("label_new", "POST", ADMIN_ONLY, data=lambda w: _label_data(w.label) | {"slug": "x-new"}),
    Row(
        "label_edit",
        "POST",
        ADMIN_ONLY,
        lambda w: {"label_id": w.label.pk},
        data=lambda w: _label_data(w.label),
    ),
    Row("team", "POST", ADMIN_ONLY, data=lambda w: {"username": "newbie", "role": "editor"}),
    Row("api_tokens", "POST", ALL_BUT_ANON, data=lambda w: {"name": "mine"}),
    Row(
        "api_token_revoke",
        "POST",
        (L, D, O, D),  # only its owner; not even an admin revokes another's token here
        lambda w: {"token_id": w.token_b.pk},
    ),
    # Logging out ends on the login page (LOGOUT_REDIRECT_URL), so it reads as `login`.
    Row("logout", "POST", (L, L, L, L)),
    # The API (bearer tokens; no token is a 401)
    Row("api:openapi-json", "GET", (O, O, O, O), api=True),
    Row("api:openapi-view", "GET", (O, O, O, O), api=True),
    Row("api:api-root", "GET", (D, D, D, D), api=True),
    Row("api:article_list", "GET", ALL_BUT_ANON, api=True),
    Row(
        "api:article_list",
        "GET",
        (L, R, R, R),
        api=True,
        query="ordering=author__password",
        variant="bad-ordering",
    ),
    Row(
        "api:article_create",
        "POST",
        ALL_BUT_ANON,
        data=lambda w: {"title": "Via API", "text": "Pushed by a CMS."},
        api=True,
    ),
    Row("api:article_get", "GET", ALL_BUT_ANON, lambda w: {"article_id": w.double.pk}, api=True),
    Row("api:export", "GET", ALL_BUT_ANON, api=True),
    Row("api:import_create", "POST", (L, R, R, R), api=True),  # no file: refused
    Row("api:import_get", "GET", OWNER, lambda w: {"job_id": w.job.pk}, api=True),
    # Django's admin: a sample (see the module docstring)
    Row("admin:index", "GET", (L, L, L, O)),
    Row("admin:newsroom_article_changelist", "GET", (L, L, L, O)),
    Row(
        "admin:annotations_claim_change",
        "GET",
        (L, L, L, O),
        lambda w: {"object_id": w.claim.pk},
    ),
    Row("admin:auth_user_changelist", "GET", (L, L, L, O)),
    Row("admin:newsroom_apitoken_changelist", "GET", (L, L, L, D)),  # nobody's role has it
    Row(
        "admin:newsroom_apitoken_change", "GET", (L, L, L, D), lambda w: {"object_id": w.token_b.pk}
    ),
]

ADMIN_SAMPLES = {r.name for r in TABLE if r.name.startswith("admin:")}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), namespace + p.name if p.name else None


def _routes() -> list[tuple[str, str | None]]:
    return list(_walk(get_resolver().url_patterns))


def test_every_route_is_in_the_table():
    """The generated part: a route without a row fails here, so it gets one."""
    covered = {r.name for r in TABLE}
    missing, admin = [], []
    for route, name in _routes():
        if route.startswith("admin/"):
            admin.append(route)
        elif name not in covered:
            missing.append(f"{route} ({name})")
    assert not missing, f"routes with no row in the authorisation table: {missing}"
    assert admin, "the admin site moved: revisit ADMIN_SAMPLES"
    stale = covered - {name for _, name in _routes()}
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


def test_every_actor_has_an_expectation_for_every_row():
    for row in TABLE:
        assert len(row.expect) == len(ACTORS), row.id
        assert set(row.expect) <= {L, D, O, R}, row.id
        # Anonymous users never get past the login, except on the few public routes.
        assert row.expect[0] in (L, O, D), row.id


def _login_url(location: str) -> bool:
    path = location.split("?", 1)[0]
    return path in (reverse("login"), reverse("admin:login"))


def outcome(response) -> str:
    code = response.status_code
    if code == 401 or (code == 302 and _login_url(response["Location"])):
        return L
    if code in (403, 404):
        return D
    if code in (400, 409, 422):
        return R
    if 200 <= code < 400:
        return O
    return f"HTTP {code}"


def _client(w: World, actor: str, row: Row, **kwargs) -> Client:
    client = Client(**kwargs)
    if actor != "anon" and not row.api:
        client.force_login({"a": w.a, "b": w.b, "admin": w.admin}[actor])
    return client


def request(w: World, actor: str, row: Row, client: Client | None = None):
    client = client or _client(w, actor, row)
    url = reverse(row.name, kwargs=row.kwargs(w))
    if row.query:
        url += "?" + row.query
    headers = {}
    if row.htmx:
        headers["HX-Request"] = "true"
    if row.api and actor != "anon":
        headers["Authorization"] = f"Bearer {w.tokens[actor]}"
    if row.method == "GET":
        return client.get(url, headers=headers)
    if row.api:
        return client.post(
            url, json.dumps(row.data(w)), content_type="application/json", headers=headers
        )
    return client.post(url, row.data(w), headers=headers)


CASES = [
    pytest.param(row, actor, expected, id=f"{row.id}-{actor}")
    for row in TABLE
    for actor, expected in zip(ACTORS, row.expect, strict=True)
]


@pytest.mark.parametrize(("row", "actor", "expected"), CASES)
def test_matrix(world, row, actor, expected):
    before = _snapshot() if row.method == "POST" and expected in (L, D, R) else None
    response = request(world, actor, row)
    got = outcome(response)
    assert got == expected, (
        f"{row.id} as {actor}: expected {expected}, got {got} "
        f"({response.status_code} {response.get('Location', '')})"
    )
    if before is not None:
        assert _snapshot() == before, f"{row.id} as {actor} was {got} yet changed the database"


# --- What an `ok` answer shows: never the claim double annotation hides --------------------

LEAK_ROWS = [
    Row("article_detail", "GET", ALL_BUT_ANON, _dbl),
    Row(
        "article_detail",
        "GET",
        ALL_BUT_ANON,
        _dbl,
        query="claim={claim}",
        variant="asks-for-B's-claim",
    ),
    Row("article_history", "GET", ALL_BUT_ANON, _dbl),
    Row("corpus_export", "GET", ALL_BUT_ANON, query="download=1"),
    Row("api:article_get", "GET", ALL_BUT_ANON, lambda w: {"article_id": w.double.pk}, api=True),
    Row("api:export", "GET", ALL_BUT_ANON, api=True),
]


@pytest.mark.parametrize("row", LEAK_ROWS, ids=lambda r: r.id)
def test_editor_a_never_reads_bs_hidden_claim(world, row):
    row = Row(**{**row.__dict__, "query": row.query.format(claim=world.double_claim.pk)})
    shown = {}
    for actor in ("a", "b", "admin"):
        response = request(world, actor, row)
        assert outcome(response) == O, (row.id, actor)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        shown[actor] = body.decode()
    pk = world.double_claim.pk
    markers = (
        SECRET,
        SECRET_SUBJECT,
        f"/claims/{pk}/",
        f'data-claim="{pk}"',
        f'claim={pk}"',
        f'"id": {pk},',
    )
    for marker in markers:
        leaks = [actor for actor, body in shown.items() if marker in body]
        # The page shows notes only in the claim panel; the history shows subjects, not notes.
        assert "a" not in leaks, f"{row.id}: editor A reads B's hidden claim ({marker})"
    assert any(m in b for m in markers for b in (shown["b"], shown["admin"])), (
        f"{row.id}: the check is vacuous, B and the admin do not see the claim either"
    )


def test_tokens_page_lists_only_ones_own_tokens(world):
    response = request(world, "a", Row("api_tokens", "GET", ALL_BUT_ANON))
    assert world.token_b.prefix not in response.content.decode()
    assert (
        "erin&#x27;s CMS" in response.content.decode() or "erin's CMS" in response.content.decode()
    )


def test_api_ignores_the_session_and_revoked_tokens(world):
    client = Client()
    client.force_login(world.admin)  # a session rides along: the API must not use it
    assert client.get(reverse("api:article_list")).status_code == 401
    token = ApiToken.objects.get(user=world.a)
    token.revoked_at = token.created_at
    token.save()
    response = Client().get(
        reverse("api:article_list"), headers={"Authorization": f"Bearer {world.tokens['a']}"}
    )
    assert response.status_code == 401


# --- CSRF: the test client skips the check unless told; a real browser's POST needs it ------

CSRF_ROWS = [
    r
    for r in TABLE
    if r.method == "POST" and not r.api and r.name not in ("logout",) and r.expect[2] != L
]


@pytest.mark.parametrize("row", CSRF_ROWS, ids=lambda r: r.id)
def test_post_without_csrf_token_is_refused(world, row):
    """Every session POST the owner (B) or an admin may make is refused without the token."""
    actor = "b" if row.expect[2] in (O, R) else "admin"
    before = _snapshot()
    response = request(
        world, actor, row, client=_client(world, actor, row, enforce_csrf_checks=True)
    )
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert _snapshot() == before


def test_api_post_needs_no_csrf_token_because_the_bearer_token_is_the_credential(world):
    row = next(r for r in TABLE if r.name == "api:article_create")
    client = Client(enforce_csrf_checks=True)
    assert request(world, "a", row, client=client).status_code == 201


# --- Filters and orderings take allow-listed fields only -----------------------------------

HOSTILE = [
    "ordering=password",
    "ordering=author__password",
    "ordering=created_by__password",
    "sort=-password",
    "order_by=created_by__password",
    "outlet=1 OR 1=1",
    "outlet=1;DROP TABLE newsroom_article",
    "outlet__name__regex=.*",
    "status=<script>alert(1)</script>",
    "status=draft' --",
    "editor=1 OR 1=1",
    "editor=bo' --",
    "flag=password",
    "flag=created_by__password",
    "group=created_by__password",
    "since=1' OR '1'='1",
    "from=2024-13",
    "to=password",
    "month=../../etc",
    "labels=password",
    "labels=author__password",
    "format=password",
    "q=' OR 1=1 --",
    "page=-1",
    "limit=1000000",
    "offset=-1",
]
FILTERED = [
    ("article_list", "a", False),
    ("review_queue", "admin", False),
    ("review_queue", "a", False),
    ("dashboard", "admin", False),
    ("dashboard_articles", "admin", False),
    ("corpus_export", "a", False),
    ("api:article_list", "a", True),
    ("api:export", "a", True),
]


@pytest.mark.parametrize(("name", "actor", "api"), FILTERED)
@pytest.mark.parametrize("query", HOSTILE)
def test_unknown_filter_and_ordering_values_are_refused_or_ignored(world, name, actor, api, query):
    """Hostile values get a 200 (ignored: the same answer as without them), or a 400/422
    naming the field, never a 500 or an answer the value shaped."""
    plain = Row(name, "GET", ALL_BUT_ANON, api=api)
    hostile = Row(name, "GET", ALL_BUT_ANON, api=api, query=query)
    if name == "corpus_export":  # the filters act on the download only
        plain = Row(name, "GET", ALL_BUT_ANON, query="download=1")
        hostile = Row(name, "GET", ALL_BUT_ANON, query="download=1&" + query)
    response = request(world, actor, hostile)
    assert response.status_code in (200, 400, 422), (query, response.status_code)
    if response.status_code == 200:
        body = _body(response)
        assert "<script>alert(1)</script>" not in body
        key, value = query.split("=", 1)
        if value.isdigit() or key in ("page", "limit", "offset", "q"):
            return  # a well-formed value (an id, a page, a search) may narrow the answer
        assert _ids(_body(request(world, actor, plain))) == _ids(body), query


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def _ids(body: str) -> list[str]:
    """What an answer lists: article links and ids, in order (not timestamps or tokens)."""
    found = re.findall(r'/articles/(\d+)/|"id": ?(\d+)', body)
    return ["".join(f) for f in found]


def test_api_ordering_is_an_allow_list():
    from typing import get_args

    from annotations.api.schemas import ORDERINGS, Ordering

    assert {o.lstrip("-") for o in get_args(Ordering)} == set(ORDERINGS)
    assert not any("__" in o for o in ORDERINGS)


ROOT = Path(__file__).resolve().parents[1]
# Every module that answers requests: the pages of each app and the API.
VIEW_MODULES = sorted(
    str(path.relative_to(ROOT))
    for pattern in ("*/pages/*.py", "annotations/api/*.py")
    for path in ROOT.glob(pattern)
    if path.name != "__init__.py"
)
assert len(VIEW_MODULES) >= 10, VIEW_MODULES
UNCHECKED = re.compile(
    r"(order_by|filter|exclude|values|values_list|annotate|extra|raw)\(\s*\*{0,2}\s*"
    r"request\.(GET|POST|body)"
)


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_no_view_hands_request_data_to_the_orm_unchecked(module):
    source = (ROOT / module).read_text()
    assert not UNCHECKED.search(source), module
    assert ".extra(" not in source and ".raw(" not in source, module


@pytest.mark.parametrize(
    "row",
    [
        Row("corpus_export", "GET", ALL_BUT_ANON, query="download=1&labels=anonymous_source"),
        Row("corpus_export", "GET", ALL_BUT_ANON, query="download=1&editor=bo", variant="editor"),
        Row("api:export", "GET", ALL_BUT_ANON, api=True, query="labels=anonymous_source"),
    ],
    ids=lambda r: r.id + r.query,
)
def test_export_filters_count_only_the_claims_the_viewer_sees(world, row):
    """The double-annotated article's only anonymous source is B's (hidden from A): a label
    filter must not select it for A, or A learns what B marked there."""
    title = world.double.title
    assert title in _body(request(world, "b", row))
    assert title in _body(request(world, "admin", row))
    if "editor=bo" in row.query:
        # B is assigned to it, which everyone sees on its page: the assignment may select it.
        return
    assert title not in _body(request(world, "a", row))
