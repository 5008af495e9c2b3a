"""A web process loads what its first requests need as it starts, and no more (issue 18)."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import MiddlewareNotUsed
from ninja import NinjaAPI

from annotations.api.endpoints import api
from annotations.warmup import WarmUpMiddleware
from entities import pipeline
from tests.fresh_process import run_fresh

ROOT = Path(__file__).resolve().parent.parent.parent

# A fresh process, as gunicorn's worker is: Django set up, the request handler built (what a
# server does before it serves), then an editor's first "Add entity" and the API's document.
WEB_PROCESS = """
import json, sys, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host is allowed
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from annotations.api.endpoints import api
from entities import pipeline
from entities.models import EntityMention
from newsroom.accounts import user_create
from newsroom.importer import articles_import
from newsroom.models import Article

facts = {}
WSGIHandler()
facts["tokenizer loaded at start"] = pipeline.get_tokenizer.cache_info().currsize
facts["documents built at start"] = len(api._schemas)
articles_import(records=[(1, {"title": "Road", "text": "Paul Dewar said the road would close."})])
article = Article.objects.get()
editor, _ = user_create(username="erin", role="editor")
client = Client()
client.force_login(editor)
response = client.post(
    f"/articles/{article.pk}/entities/",
    {"start": 0, "end": 8, "label": "PERSON"},
    headers={"HX-Request": "true"},
)
facts["add entity"] = response.status_code
facts["mentions"] = list(EntityMention.objects.values_list("start", "end", "label"))
for _ in range(2):
    facts["openapi.json"] = client.get("/api/v1/openapi.json").status_code
facts["pipelines loaded"] = pipeline.get_pipeline.cache_info().currsize
facts["tokenizer loads"] = pipeline.get_tokenizer.cache_info().misses
facts["documents built"] = len(api._schemas)
print(json.dumps(facts))
"""


def test_a_web_process_loads_the_tokenizer_at_start_and_never_the_ner_pipeline(tmp_path):
    facts = json.loads(run_fresh(WEB_PROCESS, tmp_path, timeout=180))
    assert facts == {
        "tokenizer loaded at start": 1,
        "documents built at start": 1,
        "add entity": 200,
        # Snapped to the tokens by the tokenizer alone.
        "mentions": [[0, 10, "PERSON"]],
        "openapi.json": 200,
        "pipelines loaded": 0,
        "tokenizer loads": 1,
        "documents built": 1,
    }


def test_the_tokenizer_alone_splits_as_the_whole_pipeline_does():
    text = (
        "The U.S. officials, who spoke on condition of anonymity, said Russia's forces "
        "(about 22) weren't there. 🙂 Contact: press@example.org — “No comment.”"
    )
    alone = pipeline.get_tokenizer()
    assert alone is pipeline.get_tokenizer()
    assert [(t.idx, t.text) for t in alone(text)] == [
        (t.idx, t.text) for t in pipeline.get_pipeline().nlp.make_doc(text)
    ]


def test_the_openapi_document_is_built_once(client, db, monkeypatch):
    monkeypatch.setattr(api, "_schemas", {})
    builds = []
    build = NinjaAPI.get_openapi_schema

    def counted(self, **kwargs):
        builds.append(kwargs)
        return build(self, **kwargs)

    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counted)
    first = client.get("/api/v1/openapi.json")
    second = client.get("/api/v1/openapi.json")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert json.loads(first.content)["info"]["title"] == "Newsroom API"
    assert builds == [{"path_prefix": "/api/v1/"}]


def test_the_warm_up_takes_itself_out_of_the_request_chain():
    # MiddlewareNotUsed: Django leaves it out of the chain, so no request passes through it.
    with pytest.raises(MiddlewareNotUsed):
        WarmUpMiddleware(lambda request: None)
