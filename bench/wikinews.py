"""Real-length news for the benchmarks: the Wikinews articles shipped with the tests, cycled.

`tests/fixtures/wikinews_articles.jsonl` holds 20 Wikinews articles (CC BY 2.5, Wikinews
contributors; see tests/fixtures/README.md), 1,300 to 104,000 characters, ~22,000 on average.
Article i of a benchmark is fixture i mod 20 with " (copy i)" appended to its title, a last
paragraph naming i appended to its text and "?copy=i" to its URL, so no two are duplicates and
every run writes the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "wikinews_articles.jsonl"
OUTLET = "Wikinews"


@cache
def _fixtures() -> tuple[dict[str, str], ...]:
    with FIXTURE.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def article(number: int) -> dict[str, str]:
    """Article `number` (from 1) as an import record: title, text, outlet, url, published_at."""
    source = _fixtures()[(number - 1) % len(_fixtures())]
    return {
        "title": f"{source['title']} (copy {number})",
        "text": f"{source['text']}\n\nBenchmark copy {number}.\n",
        "outlet": OUTLET,
        "url": f"{source['url']}?copy={number}",
        "published_at": source["date"],
    }


def articles(n: int) -> Iterator[dict[str, str]]:
    """Articles 1 to n."""
    for number in range(1, n + 1):
        yield article(number)


def write_jsonl(path: Path, n: int) -> int:
    """Write articles 1 to n to `path` as JSON Lines; returns the file's size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        for record in articles(n):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size
