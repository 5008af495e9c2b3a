"""Search across accents: "Gdansk" finds "Gdańsk", and "Gdańsk" finds "Gdansk".

PostgreSQL's searches use the text search configuration `newsroom_english` (migration 0013):
English stemming after the `unaccent` dictionary. SQLite has no such thing: its search
(`ArticleQuerySet.search`) asks SQLite's LIKE first, which reads the text at C speed and finds
every match that needs no folding, and calls `folded_contains` (the SQL function
`newsroom_folded_contains`, registered on every new connection by `register`) for the matches
LIKE cannot see. `fold` folds the Latin letters news in European languages use, as `unaccent`
does: accents and other marks dropped (é → e, ń → n, ệ → e), the letters without a
decomposition mapped by hand (ł → l, ø → o, ß → ss, æ → ae), and case ignored (in every
script). Other characters are only lower-cased on SQLite (PostgreSQL's unaccent also folds a
few symbols and ligatures, e.g. ﬁ → fi).

Why the detour: folding a whole real-length article in Python costs ~0.1 ms, LIKE a tenth of
that, and most articles hold few or no accented letters that could take part in a match, so
`folded_contains` folds only around those (docs/performance.md, "Search").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

SQL_FUNCTION = "newsroom_folded_contains"

# Marks left over once a text is decomposed (NFKD): the accents, cedillas, ogoneks, carons.
_MARKS = re.compile("[\u0300-\u036f]")
# Letters that do not decompose, as PostgreSQL's unaccent.rules folds them.
_LETTERS = {
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "ħ": "h", "Ħ": "H", "ı": "i", "ŧ": "t", "Ŧ": "T", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ß": "ss",
}  # fmt: skip


def _fold_char(char: str) -> str:
    decomposed = _MARKS.sub("", unicodedata.normalize("NFKD", char))
    return "".join(_LETTERS.get(c, c) for c in decomposed).casefold()


# Where the letters `fold` changes are: Latin-1 and Latin Extended-A and B, the combining
# marks, Latin Extended Additional (Vietnamese and others).
_LATIN = ((0xC0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF))


@cache
def _foldable() -> dict[str, str]:
    """Every character folding changes beyond lower() (~700), with its fold."""
    table = {}
    for first, last in _LATIN:
        for point in range(first, last + 1):
            char = chr(point)
            folded = _fold_char(char)
            if folded != char.lower():
                table[char] = folded
    return table


def _char_class(chars: list[str]) -> re.Pattern:
    """A regular expression matching any one of `chars`, written as ranges."""
    points = sorted(ord(c) for c in chars)
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    parts = (re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in ranges)
    return re.compile("[" + "".join(parts) + "]" if ranges else "(?!)")


@cache
def _foldable_class() -> re.Pattern:
    return _char_class(list(_foldable()))


@cache
def _involved(word: str) -> re.Pattern:
    """The characters that can take part in a folded match of `word`: those folding to one
    of its letters, and marks (which fold to nothing)."""
    letters = set(word)
    return _char_class([c for c, f in _foldable().items() if not f or letters & set(f)])


def fold(text: str) -> str:
    """`text` with accents dropped and case folded, for comparison only (never stored or
    shown: its length differs from the text's, so offsets into it mean nothing)."""
    if text.isascii():  # nothing to fold but case (isascii is O(1))
        return text.lower()
    table = _foldable()
    return _foldable_class().sub(lambda found: table[found.group()], text).lower()


def folded_words(query: str, *, limit: int = 10) -> list[str]:
    """The words of a search, folded: at most `limit` of them (a search reads each)."""
    # A folded word may split again ("¨" decomposes to a space and a mark).
    return [part for word in query.split()[:limit] for part in fold(word).split()]


# A match in the folded text is at most this many characters of the text per character of
# the word (a letter and two marks, as in decomposed Vietnamese), plus some.
_SPREAD = 3
# With more involved characters than this an article is folded whole, not piece by piece.
_MAX_PIECES = 64


def folded_contains(title: str | None, text: str | None, word: str | None) -> bool:
    """Whether the folded `word` occurs in the folded title or text where LIKE cannot see
    it: where folding changed a letter of the match, or (for a word outside ASCII, whose case
    LIKE does not fold) anywhere. SQLite's search asks LIKE for the rest; together they find
    every place the folded word occurs. Only around the letters that can take part in a
    folded match is anything folded."""
    if not word:
        return True
    haystack = f"{title or ''}\n{text or ''}"  # the word holds no "\n": no match across
    if haystack.isascii():
        return False  # LIKE sees every match in ASCII text
    places = [found.start() for found in _involved(word).finditer(haystack)]
    if not places:
        # No letter folding changes can be part of a match: LIKE sees an ASCII word's; a
        # word in another script is found here (its capitals are lower-cased).
        return not word.isascii() and word in haystack.lower()
    if len(places) > _MAX_PIECES:
        return word in fold(haystack)
    reach = _SPREAD * len(word) + 2
    return any(word in fold(haystack[max(0, at - reach) : at + reach]) for at in places)


def register(*, connection: Any, **kwargs: Any) -> None:
    """Give a new SQLite connection the search's function (connection_created receiver).
    Deterministic: SQLite may then use it anywhere an expression may appear."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 3, folded_contains, deterministic=True)
