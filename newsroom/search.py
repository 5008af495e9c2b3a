"""Search documents built after an import commits, off its hot path (PostgreSQL only).

An article's full-text document (title weighted above text, English stemming, accents
ignored: the SQL of `newsroom.models.search_vector()`) lives in
`newsroom_article.search_document`, which the GIN index covers. An insert leaves it empty and
a change of title or text empties it again (migration 0011's trigger);
`build_search_documents` fills the empty ones in batches, from a background task on its own
queue ("search") so that no analysis batch holds it up. Whatever stores articles (the import
engine) queues it when its transaction commits. Until then a search computes the newest
missing documents on the fly (`ArticleQuerySet.search`), so a new article is found at once;
the README says how long indexing takes.

Why not in the insert: to_tsvector over ~20,000 characters costs ~5 ms, five times what
storing the article costs (docs/performance.md, "Import").
"""

from __future__ import annotations

from django.db import connections, transaction
from django.tasks import task

QUEUE = "search"
# The text search configuration of every document and query: English stemming after the
# `unaccent` dictionary, so that a search matches across accents (migration 0013;
# newsroom.folding does the same on SQLite).
CONFIG = "newsroom_english"
# Articles per UPDATE: each commits on its own, so a search sees them as they come, and a
# batch of long articles holds its row locks for about a second at most.
BATCH = 200
# The document's SQL: `search_vector()` as SQL (tests/newsroom check that they agree), as
# migration 0013 made it (0005's expression in the configuration CONFIG).
DOCUMENT = (
    f"setweight(to_tsvector('{CONFIG}'::regconfig, COALESCE(title, '')), 'A') || "
    f"setweight(to_tsvector('{CONFIG}'::regconfig, COALESCE(text, '')), 'B')"
)
_FILL = f"""
    UPDATE newsroom_article AS a SET search_document = {DOCUMENT}
    FROM (SELECT id FROM newsroom_article WHERE search_document IS NULL
          ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) AS pending
    WHERE a.id = pending.id
"""  # noqa: S608 (constants only)


def search_documents_build(*, using: str = "default", limit: int | None = None) -> int:
    """Fill every empty search document (at most `limit`), a batch per transaction; returns
    how many were built. Rows another builder holds are skipped, not waited for, so any number
    of workers can run it at once. Nothing to do on SQLite, whose search reads the text."""
    if connections[using].vendor != "postgresql":
        return 0
    built = 0
    while limit is None or built < limit:
        size = BATCH if limit is None else min(BATCH, limit - built)
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(_FILL, [size])
            done = cursor.rowcount
        built += done
        if done < size:
            break
    return built


@task(queue_name=QUEUE, priority=50)
def build_search_documents() -> int:
    """Background task: search_documents_build."""
    return search_documents_build()


def search_documents_queue(*, using: str = "default") -> None:
    """Queue a build once the current transaction commits (PostgreSQL; nothing on SQLite)."""
    if connections[using].vendor == "postgresql":
        transaction.on_commit(build_search_documents.enqueue, using=using)
