"""PostgreSQL: search across accents ("Gdansk" finds "Gdańsk", and the other way round).

The `english` configuration keeps accents: "Gdańsk" became the lexeme `gdańsk`, which a search
for "Gdansk" (`gdansk`) never matched. The configuration `newsroom_english` is `english` with
PostgreSQL's `unaccent` dictionary (the contrib extension, trusted since PostgreSQL 13: the
database's owner may install it) in front of the stemmer for the words that are not plain
ASCII, as PostgreSQL's documentation does it for French. Documents and queries both use it
(newsroom.search.CONFIG); the GIN index covers the same column as before.

Stored documents: a text of ASCII only gives the very same document in both configurations
(unaccent reads only the non-ASCII words), so only articles with another character are
rebuilt here, in place (the app is stopped while it migrates: README, "Upgrading"). Those
not built yet are left to the search worker, as before. SQLite: nothing (newsroom.folding).
"""

from django.db import migrations

CONFIG = "newsroom_english"
# The token types whose words may hold a non-ASCII letter (ts_token_type('default')).
WORDS = "word, hword, hword_part"
WORDS_WITH_DIGITS = "numword, numhword, hword_numpart"


def document(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}'::regconfig, COALESCE(title, '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, COALESCE(text, '')), 'B')"
    )


# Articles with any character outside ASCII in their title or text.
NOT_ASCII = r"(title ~ '[^\x01-\x7f]' OR text ~ '[^\x01-\x7f]')"


def rebuild(schema_editor, config: str) -> None:
    schema_editor.execute(
        f"UPDATE newsroom_article SET search_document = {document(config)} "  # noqa: S608
        f"WHERE search_document IS NOT NULL AND {NOT_ASCII}"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("CREATE EXTENSION IF NOT EXISTS unaccent")
    run(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)")
    alter = f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR"
    run(f"{alter} {WORDS} WITH unaccent, english_stem")
    run(f"{alter} {WORDS_WITH_DIGITS} WITH unaccent, simple")
    rebuild(schema_editor, CONFIG)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    rebuild(schema_editor, "english")
    # The extension stays: something else in the database may use it.
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0012_session_with_user")]

    operations = [migrations.RunPython(forwards, backwards)]
