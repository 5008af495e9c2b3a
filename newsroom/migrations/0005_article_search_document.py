"""PostgreSQL: store each article's full-text document, so ranking a search reads it.

Migration 0002 indexed the expression; searches still had to rebuild it (to_tsvector over the
whole text) for every matching article to rank them, and PostgreSQL often chose to rebuild it
for every article instead of using the index: seconds per search on 1,000 articles. The
document is now a generated column (the same expression as `search_vector()`, which a test
checks), kept by PostgreSQL on every write, and the index covers the column. SQLite: nothing.
"""

from django.db import migrations

SEARCH_INDEX = "article_search_gin"
# search_vector() as SQL; tests/newsroom check that the stored document equals it.
DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(text, '')), 'B')"
)


def store_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE newsroom_article ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {SEARCH_INDEX} ON newsroom_article USING gin (search_document)"
        )


def drop_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        schema_editor.execute("ALTER TABLE newsroom_article DROP COLUMN search_document")
        schema_editor.execute(
            f"CREATE INDEX {SEARCH_INDEX} ON newsroom_article USING gin (({DOCUMENT}))"
        )


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0004_api_token")]

    operations = [migrations.RunPython(store_document, drop_document)]
