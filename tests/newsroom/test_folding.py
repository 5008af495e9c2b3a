"""Accent folding for SQLite's search (newsroom.folding): the rule, and the SQL function every
SQLite connection gets."""

import pytest
from django.db import connection

from newsroom import folding
from newsroom.folding import SQL_FUNCTION, fold, folded_contains, folded_words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Gdańsk", "gdansk"),
        ("Łódź", "lodz"),
        ("Zürich, Kraków, São Paulo", "zurich, krakow, sao paulo"),
        ("Straße", "strasse"),
        ("Øresund, Æsir, Œuvre", "oresund, aesir, oeuvre"),
        ("ÉCOLE", "ecole"),
        ("İstanbul", "istanbul"),
        ("Москва", "москва"),  # other scripts: case folded, letters kept
        ("plain ASCII, Kept As Is", "plain ascii, kept as is"),
        ("“Quoted” — dashes", "“quoted” — dashes"),
        ("Nguyễn Thị", "nguyen thi"),
    ],
)
def test_fold_drops_accents_and_case(text, folded):
    assert fold(text) == folded


def test_a_search_is_at_most_ten_folded_words():
    assert folded_words("  Gdańsk  ŁÓDŹ ") == ["gdansk", "lodz"]
    assert len(folded_words(" ".join(f"w{n}" for n in range(20)))) == 10


@pytest.mark.parametrize(
    ("title", "text", "word", "found"),
    [
        ("Strike in Gdańsk", "Ships came.", "gdansk", True),  # folding changed the match
        ("Strike", "Ships came to Gdańsk’s port.", "gdansk", True),
        ("Strike", "Decomposed: Gdan\u0301sk.", "gdansk", True),  # n + combining acute
        ("Łódź", "", "lodz", True),
        ("Straße", "", "strasse", True),
        ("Nguyễn", "", "nguyen", True),
        ("МОСКВА", "", "москва", True),  # capitals of another script, which LIKE keeps
        ("Strike in Gdańsk", "Ships came.", "gdynia", False),
        ("Café", "Gdynia", "gdansk", False),
        ("ends with gdań", "sk begins", "gdansk", False),  # never across title and text
        # As written, in ASCII: LIKE's to find, not this function's.
        ("Plain", "gdansk port", "gdansk", False),
    ],
)
def test_it_finds_what_folding_makes_match(title, text, word, found):
    assert folded_contains(title, text, word) is found


def test_only_the_pieces_around_accented_letters_are_folded(monkeypatch):
    """A long text with one accented name far in: found, and the rest never folded whole."""
    text = "Officials said nothing. " * 2000 + "Then Gdańsk replied."
    folded = []
    monkeypatch.setattr(folding, "fold", lambda piece: folded.append(piece) or fold(piece))
    assert folded_contains("Report", text, "gdansk")
    assert folded and max(len(piece) for piece in folded) < 60


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's search function")
def test_every_sqlite_connection_has_the_function():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SQL_FUNCTION}('Gdańsk', 'port', 'gdansk')")
        assert cursor.fetchone() == (1,)
        cursor.execute(f"SELECT {SQL_FUNCTION}('Gdańsk', 'port', 'gdynia')")
        assert cursor.fetchone() == (0,)
