"""Time the sourcing detector against parsing, and dump its output to prove a change keeps it.

What it measures
    It builds a corpus of 100 news articles of about 700 words (paragraphs of
    tests/fixtures/wikinews_articles.jsonl, taken in order and cycled, joined with blank lines
    until an article has more than 650 words), plus every text of the gold files in
    tests/fixtures/sourcing/ (seed_gold, sourcing_dev, heldout_gold) and the 20 Wikinews
    articles themselves. It parses them with the configured spaCy model (the detector's
    components, as bench/eval_sourcing.py loads it) inside `nlp.memory_zone()` and runs
    `annotations.sourcing.SourcingDetector` on each doc, as the analysis does.

    Timing is CPU time (`time.process_time()`, so other jobs on the machine do not count),
    the fastest of --repeat runs over the 100 articles: parsing alone, the detector alone
    (its share of parse + detector) and words per second (whitespace-separated words) of each.

    --dump FILE writes every suggestion of every text (all fields of `Suggestion`) as JSON;
    --compare FILE dumps this run and exits 1 unless it is identical to FILE, printing the first
    texts that differ. Use it to prove that a speed change does not change the output:
    dump on the old code, change it, compare.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/detector_speed.py --dump /tmp/baseline.json
    DEBUG=true .venv/bin/python bench/detector_speed.py --compare /tmp/baseline.json --repeat 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from itertools import cycle
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WIKINEWS = ROOT / "tests/fixtures/wikinews_articles.jsonl"
GOLD_FILES = [
    ROOT / "tests/fixtures/sourcing/seed_gold.jsonl",
    ROOT / "tests/fixtures/sourcing/sourcing_dev.jsonl",
    ROOT / "tests/fixtures/sourcing/heldout_gold.jsonl",
]
ARTICLES, MIN_WORDS = 100, 650


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def build_articles() -> list[str]:
    """100 articles of a little over 650 words, from the Wikinews paragraphs in order."""
    paragraphs = [p.strip() for text in _texts(WIKINEWS) for p in text.split("\n") if p.strip()]
    source = cycle(paragraphs)
    articles = []
    for _ in range(ARTICLES):
        parts: list[str] = []
        words = 0
        while words <= MIN_WORDS:
            paragraph = next(source)
            parts.append(paragraph)
            words += len(paragraph.split())
        articles.append("\n\n".join(parts))
    return articles


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every text the dump covers."""
    items = [(f"article-{i:03d}", t) for i, t in enumerate(build_articles())]
    for path in [*GOLD_FILES, WIKINEWS]:
        items += [(f"{path.name}-{i:03d}", t) for i, t in enumerate(_texts(path))]
    return items


def dump(nlp: Any, detector: Any, items: list[tuple[str, str]]) -> dict[str, Any]:
    result = {}
    with nlp.memory_zone():
        for (name, _text), doc in zip(items, nlp.pipe(t for _n, t in items), strict=True):
            result[name] = [dataclasses.asdict(s) for s in detector(doc)]
    # Through JSON so tuples and lists compare as they are stored.
    return json.loads(json.dumps(result))


def timings(nlp: Any, detector: Any, texts: list[str], repeat: int) -> None:
    words = sum(len(t.split()) for t in texts)
    best_parse = best_detect = float("inf")
    for _ in range(repeat):
        parse = detect = 0.0
        with nlp.memory_zone():
            start = time.process_time()
            for doc in nlp.pipe(texts):
                parsed = time.process_time()
                parse += parsed - start
                detector(doc)
                start = time.process_time()
                detect += start - parsed
        best_parse, best_detect = min(best_parse, parse), min(best_detect, detect)
    total = best_parse + best_detect
    print(f"{len(texts)} articles, {words:,} words; CPU time, fastest of {repeat}")
    print(f"  parse            {best_parse:6.2f} s  {words / best_parse:>9,.0f} words/s")
    print(f"  detector         {best_detect:6.2f} s  {words / best_detect:>9,.0f} words/s")
    print(f"  parse + detector {total:6.2f} s  {words / total:>9,.0f} words/s")
    print(f"  detector share   {100 * best_detect / total:5.1f} %")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", type=Path, help="write every suggestion to this JSON file")
    parser.add_argument("--compare", type=Path, help="exit 1 unless the output equals this dump")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (fastest is kept)")
    parser.add_argument("--no-timing", action="store_true", help="only dump or compare")
    args = parser.parse_args(argv)

    from eval_sourcing import load_nlp

    from annotations.sourcing import SourcingDetector

    nlp = load_nlp()
    detector = SourcingDetector(nlp)
    items = corpus()
    status = 0
    if args.dump or args.compare:
        output = dump(nlp, detector, items)
        count = sum(len(v) for v in output.values())
        print(f"{len(output)} texts, {count} suggestions")
        if args.dump:
            args.dump.write_text(json.dumps(output, indent=1, ensure_ascii=False), "utf-8")
        if args.compare:
            expected = json.loads(args.compare.read_text("utf-8"))
            differ = [
                name
                for name in expected.keys() | output.keys()
                if expected.get(name) != output.get(name)
            ]
            if differ:
                print(
                    f"DIFFERENT from {args.compare}: {len(differ)} texts, e.g. {sorted(differ)[:5]}"
                )
                status = 1
            else:
                print(f"identical to {args.compare}")
    if not args.no_timing:
        timings(nlp, detector, [t for n, t in items if n.startswith("article-")], args.repeat)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
