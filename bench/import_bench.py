"""Benchmark `manage.py import_articles`: articles per second and peak memory.

What it measures
    It writes N synthetic news articles (default 100,000; ~700 words each, in paragraphs
    of sentences with names, quotes and numbers, every text unique; seeded, so every run
    writes the same file) as JSON Lines, then imports them with the real command,
    `python manage.py import_articles FILE --no-progress`, run as a fresh subprocess:

    - once with an empty file (start-up cost: Django, settings, database connection),
    - with the first N/10 articles,
    - with all N articles,

    each time into an empty scratch database. For each run it prints the wall-clock time,
    articles per second (with start-up, and without: minus the empty-file run) and the
    peak resident memory of the import process (ru_maxrss from os.wait4), then the ratio of
    the N run to the N/10 run: a memory ratio near 1 means memory does not grow with the
    size of the file. It prints figures only and never fails on time. manage.py runs with
    DEBUG=true unless DEBUG is set, as under make.

The scratch database
    Never the database you work in. If DATABASE_URL (or --database-url) is PostgreSQL, a
    database named `<name>_bench` on the same server is dropped, created and migrated before
    each run, and dropped at the end; if it is SQLite or unset, a new temporary file is
    migrated for each run. The script prints which database it used.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/import_bench.py                # SQLite, N = 100,000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/import_bench.py --n 10000             # PostgreSQL, quick
    make bench-import BENCH_ARGS="--n 10000 --keep"

    --keep keeps the generated JSONL files (their path is printed); --no-search-index
    drops PostgreSQL's GIN full-text index in the scratch database before each import, to
    measure what the index costs (the real schema keeps it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import MANAGE, SEARCH_INDEX, ScratchDatabase, child_env

ROOT = Path(__file__).resolve().parent.parent
SEED = 20_240_601


# --- Synthetic articles -------------------------------------------------------------------

FIRST_NAMES = (
    "Amelia", "James", "Priya", "Oluwaseun", "Chloé", "Mehmet", "Siobhán", "Lukas", "Aiko",
    "Mateo", "Fatima", "Daniel", "Zoë", "Rafael", "Ingrid", "Kwame", "Sofia", "Tomasz",
    "Hannah", "Diego", "Nadia", "Samuel", "Yuki", "Leila", "Omar", "Grace", "Henrik", "Ana",
    "Thabo", "Margaret", "Vikram", "Elena", "Jonas", "Ngozi", "Pedro", "Claire", "Dmitri",
    "Isabel", "Kofi", "Laura", "Björn", "Mei", "Patrick", "Rania", "Stefan", "Tamara",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Lindqvist", "Moreau", "Haddad", "Kowalski", "Nakamura", "O'Brien", "García",
    "Mensah", "Petrov", "Schneider", "Fitzgerald", "Rahman", "Costa", "Andersen", "Nguyen",
    "Mbeki", "Rossi", "Sullivan", "Yilmaz", "Castillo", "Dubois", "Hoffmann", "Kaur",
    "Adeyemi", "Novak", "Takahashi", "Whitfield", "Álvarez", "Brennan", "Chowdhury", "Ekström",
    "Fernandes", "Grünewald", "Ibrahim", "Jovanović", "Kariuki", "Lefebvre", "Müller",
)  # fmt: skip
ROLES = (
    "the finance minister", "a spokesperson for the mayor", "the chief executive",
    "a senior economist", "the opposition leader", "the health secretary",
    "a union representative", "the police commissioner", "a professor of public policy",
    "the committee chair", "a local councillor", "the head of research",
    "a former ambassador", "the transport minister", "an independent analyst",
    "the regional governor", "a hospital director", "the party's deputy leader",
)  # fmt: skip
ORGS = (
    "the Ministry of Finance", "the National Statistics Office", "the Central Bank",
    "the Chamber of Commerce", "Amnesty International", "the World Health Organization",
    "the European Commission", "the city council", "the Electoral Commission",
    "the Institute for Fiscal Studies", "the teachers' union", "the Red Cross",
    "the Port Authority", "the Supreme Court", "the Environment Agency",
    "the International Monetary Fund", "the Federation of Small Businesses",
    "the National Audit Office", "the Refugee Council", "the Meteorological Office",
)  # fmt: skip
CITIES = (
    "Lisbon", "Nairobi", "Manchester", "Osaka", "Montreal", "Kraków", "Accra", "São Paulo",
    "Gothenburg", "Lyon", "Bangalore", "Melbourne", "Rotterdam", "Cork", "Istanbul",
    "Valparaíso", "Hamburg", "Durban", "Seattle", "Marseille", "Lagos", "Tallinn", "Bilbao",
    "Auckland", "Leeds", "Bologna", "Kyiv", "Brisbane", "Porto", "Geneva",
)  # fmt: skip
OUTLETS = (
    "The Daily Ledger", "Northern Courier", "Metro Tribune", "Harbour Gazette",
    "Capital Wire", "Riverside Chronicle", "The Evening Post", "Coastal Herald",
    "Valley Times", "The Morning Dispatch", "Continental Review", "Lakeside Observer",
    "The Civic Record", "Highland Mail", "Southern Sentinel", "The Weekly Examiner",
    "Bay City Bulletin", "The Plainsman", "Union Star", "Eastern Telegraph",
    "The Public Journal", "Midland Mercury", "Atlantic Signal", "The Borough News",
    "Pacific Standard Times", "The Granite Press", "Delta Voice", "Summit Daily",
    "The Frontier Reporter", "Old Town Advertiser", "Newsroom Europe", "Global Desk",
    "The Independent Monitor", "Westside Clarion", "The Provincial", "Harbourfront Wire",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
TOPICS = {
    "economy": (
        ("budget", "tax reform", "interest rate decision", "trade agreement", "pension plan",
         "spending review", "inflation forecast", "wage settlement"),
        ("households", "small businesses", "workers", "pensioners", "first-time buyers"),
    ),
    "health": (
        ("vaccination campaign", "hospital merger", "waiting-list plan", "drug trial",
         "screening programme", "staffing review", "funding formula", "care strategy"),
        ("patients", "nurses", "doctors", "care homes", "families"),
    ),
    "climate": (
        ("flood defence scheme", "emissions target", "wind farm", "drought plan",
         "carbon levy", "heat action plan", "coastal survey", "recycling law"),
        ("farmers", "residents", "fishing crews", "homeowners", "commuters"),
    ),
    "politics": (
        ("election law", "coalition deal", "constitutional amendment", "inquiry",
         "no-confidence motion", "party leadership contest", "referendum", "reshuffle"),
        ("voters", "lawmakers", "party members", "civil servants", "campaigners"),
    ),
    "transport": (
        ("rail upgrade", "bus contract", "airport expansion", "congestion charge",
         "bridge repair", "metro extension", "cycle network", "port dredging"),
        ("passengers", "drivers", "commuters", "hauliers", "cyclists"),
    ),
    "justice": (
        ("sentencing review", "police reform", "appeal ruling", "surveillance bill",
         "legal aid cut", "prison inspection", "court backlog plan", "bail law"),
        ("defendants", "victims", "prisoners", "officers", "judges"),
    ),
}  # fmt: skip
ADJECTIVES = (
    "long overdue", "deeply worrying", "a step in the right direction", "unworkable",
    "historic", "reckless", "modest but welcome", "badly timed", "far too cautious",
    "a betrayal", "encouraging", "unprecedented",
)  # fmt: skip
FUTURE_VERBS = (
    "be delayed", "cost more than planned", "be approved", "be scrapped", "go ahead",
    "be reviewed again", "take effect", "face a legal challenge", "be scaled back",
)  # fmt: skip
PASSIVE_VERBS = (
    "evacuated", "affected", "interviewed", "hired", "laid off", "rehoused", "treated",
    "consulted", "arrested", "compensated", "registered",
)  # fmt: skip
EVENTS = (
    "weeks of protests", "a damning audit", "the collapse of talks", "a record harvest",
    "a series of strikes", "the storm that hit the coast", "a leaked memo",
    "months of negotiation", "a court ruling", "a surprise resignation",
)  # fmt: skip
SENTENCES = (
    "{person}, {role}, said on {weekday} that the {noun} would {future} by {month}.",
    '"{quote}," said {person}, {role}.',
    '"{quote}," {surname} told {outlet} in an interview in {city}.',
    "The {noun} has drawn criticism from {org}, which argued that {claim}.",
    "According to figures published by {org}, {number} {group} were {passive} in {year}, "
    "{change} from the year before.",
    "Officials in {city} said {number} {group} had been {passive} since {month}.",
    "{surname} added that {claim}.",
    "The announcement comes {delay} after {event}.",
    "Critics, including {person} of {org}, say {claim}.",
    "In {year}, a similar {noun} in {city} cost about {money}, according to {org}.",
    "Talks are expected to resume in {city} on {weekday}, {surname} said.",
    "At least {small} {group} were {passive} on {weekday}, {role} said, adding that {claim}.",
    "The figures, which cover the {months} months to {month}, show a {pct} per cent {rise} in "
    "the number of {group} affected.",
    "{org} did not respond to a request for comment.",
    "It was not immediately clear whether {claim}.",
    "{person}, who has followed the issue for {small} years, described the {noun} as "
    '"{adjective}".',
    "A survey of {number} {group} by {org} found that {pct} per cent backed the {noun}, "
    "while {pct2} per cent opposed it.",
    "The {noun} was first proposed in {year} but stalled after {event}.",
    '"We have been warning about this since {year}," said {person}. "{quote}."',
    "Under the plan, {group} in {city} would receive up to {money} over {small} years.",
    "{surname}'s office later issued a statement saying the {noun} would {future}.",
    "Opposition members called for an inquiry, saying {claim}.",
)  # fmt: skip
QUOTES = (
    "This {noun} is {adjective}, and people in {city} deserve better",
    "We will not stop until the {noun} is {passive_done}",
    "Nobody at {org} expected the {noun} to move this quickly",
    "Our priority is to protect {group} before {month}",
    "The numbers speak for themselves: {number} {group} cannot be ignored",
    "I have spoken to {group} in {city} every week since {month}, and they are worried",
    "There is no plan B, and everyone in this building knows it",
    "If the {noun} fails, {group} will pay the price",
)  # fmt: skip
CLAIMS = (
    "the {noun} would {future}",
    "the government had ignored warnings from {org}",
    "{number} {group} could be {passive} by {year}",
    "the cost of the {noun} had been underestimated by {money}",
    "{group} in {city} had not been consulted",
    "the {noun} breached commitments made in {year}",
)  # fmt: skip
TITLES = (
    "{City}: {org_cap} warns {noun} could {future}",
    "{Noun} in {city} will {future}, {surname} says",
    "{number} {group} {passive} as {noun} row deepens in {city}",
    "{Person} under pressure over {noun}",
    "What the {noun} means for {group} in {city}",
    "{Noun}: {org_cap} figures show {pct} per cent {rise}",
)  # fmt: skip


def _money(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice('$€£')}{rng.randint(2, 950)} million"
    return f"{rng.choice('$€£')}{rng.randint(11, 99) / 10:.1f} billion"


# One generator per placeholder; an article's topic decides the nouns and groups.
_SLOTS: dict[str, Callable[[random.Random, dict[str, str]], str]] = {
    "person": lambda r, c: f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}",
    "surname": lambda r, c: r.choice(LAST_NAMES),
    "role": lambda r, c: r.choice(ROLES),
    "org": lambda r, c: r.choice(ORGS),
    "city": lambda r, c: r.choice(CITIES),
    "outlet": lambda r, c: r.choice(OUTLETS),
    "weekday": lambda r, c: r.choice(WEEKDAYS),
    "month": lambda r, c: r.choice(MONTHS),
    "year": lambda r, c: str(r.randint(1998, 2024)),
    "number": lambda r, c: f"{r.randint(120, 98_000):,}",
    "small": lambda r, c: str(r.randint(2, 40)),
    "months": lambda r, c: str(r.choice((3, 6, 9, 12, 18))),
    "pct": lambda r, c: str(r.randint(3, 78)),
    "pct2": lambda r, c: str(r.randint(3, 40)),
    "money": lambda r, c: _money(r),
    "change": lambda r, c: f"{r.choice(('up', 'down'))} {r.randint(2, 60)} per cent",
    "rise": lambda r, c: r.choice(("rise", "fall", "increase", "drop")),
    "delay": lambda r, c: r.choice(("two days", "a week", "a month", "barely a year")),
    "event": lambda r, c: r.choice(EVENTS),
    "future": lambda r, c: r.choice(FUTURE_VERBS),
    "passive": lambda r, c: r.choice(PASSIVE_VERBS),
    "passive_done": lambda r, c: r.choice(("withdrawn", "funded in full", "put to a vote")),
    "adjective": lambda r, c: r.choice(ADJECTIVES),
    "noun": lambda r, c: r.choice(c["nouns"]),  # type: ignore[arg-type]
    "group": lambda r, c: r.choice(c["groups"]),  # type: ignore[arg-type]
    "quote": lambda r, c: _fill(r.choice(QUOTES), r, c),
    "claim": lambda r, c: _fill(r.choice(CLAIMS), r, c),
}


class _Slots(dict):
    """Fills a template's placeholders on demand; a name used twice gets the same value."""

    def __init__(self, rng: random.Random, context: dict[str, str]):
        super().__init__()
        self.rng, self.context = rng, context

    def __missing__(self, key: str) -> str:
        if key[0].isupper():  # {Noun}: the same slot, capitalised
            value = self[key.lower()]
            value = value[0].upper() + value[1:]
        elif key == "org_cap":
            value = self["org"].removeprefix("the ")
            value = value[0].upper() + value[1:]
        else:
            value = _SLOTS[key](self.rng, self.context)
        self[key] = value
        return value


def _fill(template: str, rng: random.Random, context: dict[str, str]) -> str:
    return template.format_map(_Slots(rng, context))


def _slug(text: str) -> str:
    return "-".join("".join(ch for ch in word if ch.isalnum()) for word in text.lower().split())


def make_article(number: int, rng: random.Random) -> dict[str, str]:
    """One article record as the import format has it: title, text, outlet, url, ..."""
    nouns, groups = TOPICS[rng.choice(tuple(TOPICS))]
    context = {"nouns": nouns, "groups": groups}
    target_words = rng.randint(600, 750)
    paragraphs: list[str] = []
    words = 0
    while words < target_words:
        sentences = [_fill(rng.choice(SENTENCES), rng, context) for _ in range(rng.randint(2, 5))]
        words += sum(len(s.split()) for s in sentences)
        paragraphs.append(" ".join(sentences))
    title = _fill(rng.choice(TITLES), rng, context)
    outlet = rng.choice(OUTLETS)
    published = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 6_500_000))
    style = rng.random()
    if style < 0.6:
        published_at = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif style < 0.9:
        published_at = published.strftime("%Y-%m-%dT%H:%M:%S+01:00")
    else:
        published_at = published.strftime("%Y-%m-%d")
    authors = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(2)]
    byline = rng.choice((f"By {authors[0]}", f"{authors[0]} and {authors[1]}"))
    domain = _slug(outlet).replace("-", "").removeprefix("the") + ".example"
    url = f"https://www.{domain}/{published:%Y/%m/%d}/{_slug(title)[:80]}-{number}"
    return {
        "title": title,
        "text": "\n\n".join(paragraphs) + "\n",
        "outlet": outlet,
        "url": url,
        "byline": byline,
        "published_at": published_at,
    }


def write_articles(path: Path, n: int, prefix: tuple[Path, int]) -> None:
    """Write n articles to path, and the first prefix[1] of them to prefix[0] as well."""
    rng = random.Random(SEED)
    seen: set[bytes] = set()
    with path.open("w", encoding="utf-8") as out, prefix[0].open("w", encoding="utf-8") as head:
        for number in range(1, n + 1):
            article = make_article(number, rng)
            digest = hashlib.blake2b(article["text"].encode(), digest_size=16).digest()
            if digest in seen:  # astronomically unlikely; the benchmark needs unique texts
                raise SystemExit(f"article {number} repeats an earlier text; change SEED")
            seen.add(digest)
            line = json.dumps(article, ensure_ascii=False) + "\n"
            out.write(line)
            if number <= prefix[1]:
                head.write(line)


# --- The scratch database -----------------------------------------------------------------


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    articles: int
    seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def run_import(label: str, path: Path, expected: int, database: ScratchDatabase) -> Run:
    """Import `path` with the real command in a fresh process; time it and read its peak RSS."""
    env = child_env(database.url)
    command = [sys.executable, str(MANAGE), "import_articles", str(path), "--no-progress"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    noun = "article" if expected == 1 else "articles"
    if process.returncode != 0 or f"Imported {expected} {noun}." not in output:
        raise SystemExit(f"{label}: the import did not store {expected} {noun}:\n{output}")
    return Run(label, expected, seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated JSONL files")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="server to benchmark on (default: $DATABASE_URL; SQLite if unset)",
    )
    parser.add_argument(
        "--no-search-index",
        action="store_true",
        help="PostgreSQL: drop the GIN full-text index first, to measure its cost",
    )
    args = parser.parse_args(argv)
    if args.n < 10:
        parser.error("--n must be at least 10")

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir)
    small = args.n // 10
    big_file, small_file, empty_file = (
        workdir / f"articles-{args.n}.jsonl",
        workdir / f"articles-{small}.jsonl",
        workdir / "empty.jsonl",
    )
    print(f"import_articles benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"Database: {database.description}; emptied and migrated before each run")
    print(f"DEBUG={child_env(database.url)['DEBUG']} in manage.py")
    if args.no_search_index:
        print(f"Without the {SEARCH_INDEX} index (dropped in the scratch database)")
    try:
        start = time.perf_counter()
        write_articles(big_file, args.n, (small_file, small))
        empty_file.write_bytes(b"")
        size_mb = big_file.stat().st_size / 1e6
        print(
            f"Generated {args.n:,} articles ({size_mb:,.0f} MB, "
            f"{size_mb * 1e6 / args.n / 1024:.1f} KiB each) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        runs = []
        for label, path, count in (
            ("start-up", empty_file, 0),
            ("N/10", small_file, small),
            ("N", big_file, args.n),
        ):
            database.reset(search_index=not args.no_search_index)
            runs.append(run_import(label, path, count, database))
    finally:
        database.drop()
        if args.keep:
            empty_file.unlink(missing_ok=True)
            print(f"Kept the generated files in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    startup, tenth, full = runs
    print()
    print(
        f"{'run':<10}{'articles':>10}{'seconds':>10}{'articles/s':>12}"
        f"{'w/o start-up':>14}{'peak RSS':>11}"
    )
    for run in runs:
        rate, net = "-", "-"
        if run.articles:
            rate = f"{run.rate:,.0f}"
            net = f"{run.articles / max(run.seconds - startup.seconds, 1e-3):,.0f}"
        print(
            f"{run.label:<10}{run.articles:>10,}{run.seconds:>10.2f}{rate:>12}{net:>14}"
            f"{run.peak_rss_mb:>8.0f} MB"
        )
    print()
    print(
        f"N vs N/10: rate x{full.rate / tenth.rate:.2f}, "
        f"peak memory x{full.peak_rss_mb / tenth.peak_rss_mb:.2f} (near 1: flat with N)"
    )
    print("Target on PostgreSQL, 2 cores: >= 2,000 articles/s; peak memory under 300 MB, flat.")


if __name__ == "__main__":
    main()
