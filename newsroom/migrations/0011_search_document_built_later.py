"""PostgreSQL: build the search document after an import, not inside it; lz4 for long text.

Migration 0005 made `search_document` a generated column: PostgreSQL computed to_tsvector over
the whole text inside every insert, most of an import's time for real-length news (a plain
COPY of 2,000 Wikinews articles ran at ~1,000/s, ~155/s with the generated column). The column
is now a plain one that an insert leaves empty (NULL); newsroom.search fills empty ones in
batches from a background task soon after the import commits, and searches compute the few
newest missing ones on the fly. A trigger empties the document again when an article's title
or text changes (an admin's edit, a restore), so it is never stale. A partial index finds the
empty ones at once. Existing documents are kept (DROP EXPRESSION keeps the stored values).

Storage: long text compresses faster with lz4 than with PostgreSQL's default (pglz), where the
server was built with it (PostgreSQL 14+ usually is); otherwise the default stays.
SQLite: nothing.
"""

from django.db import migrations, transaction
from django.db.utils import DatabaseError

PENDING_INDEX = "article_search_pending"
TRIGGER = "article_search_document_reset"
# The same expression as newsroom.search.DOCUMENT and migration 0005: used on the way back.
DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(text, '')), 'B')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("ALTER TABLE newsroom_article ALTER COLUMN search_document DROP EXPRESSION")
    run(
        f"CREATE INDEX {PENDING_INDEX} ON newsroom_article (id) "
        "WHERE search_document IS NULL"
    )
    run(
        f"""
        CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_document := NULL;
            RETURN NEW;
        END $$
        """
    )
    run(
        f"""
        CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF title, text ON newsroom_article
        FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title
                           OR OLD.text IS DISTINCT FROM NEW.text)
        EXECUTE FUNCTION {TRIGGER}()
        """
    )
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            run("ALTER TABLE newsroom_article ALTER COLUMN text SET COMPRESSION lz4")
    except DatabaseError:
        pass  # a server built without lz4: its default compression stays


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"DROP TRIGGER IF EXISTS {TRIGGER} ON newsroom_article")
    run(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    run(f"DROP INDEX IF EXISTS {PENDING_INDEX}")
    run("ALTER TABLE newsroom_article ALTER COLUMN text SET COMPRESSION DEFAULT")
    # A generated column cannot be made from a plain one: drop it and add it again (0005).
    run("DROP INDEX IF EXISTS article_search_gin")
    run("ALTER TABLE newsroom_article DROP COLUMN search_document")
    run(
        "ALTER TABLE newsroom_article ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    run("CREATE INDEX article_search_gin ON newsroom_article USING gin (search_document)")


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0010_api_token_expiry")]

    operations = [migrations.RunPython(forwards, backwards)]
