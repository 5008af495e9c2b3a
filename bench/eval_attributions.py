"""Run the attribution detector over records and, against gold, score its triples.

What it does
    Reads GOLD.jsonl, one record per line: `{"id", "text"}` and, for scoring, `"attributions":
    [{"source": [[start, end], ...], "cue": [[start, end], ...], "content": [[start, end],
    ...]}]` (code points into `text`, end exclusive). It parses every text with the
    configured spaCy model (SPACY_MODEL through `entities.pipeline.model_name()`, the
    components the detector needs) and runs `annotations.sourcing.SourcingDetector`, as the
    analysis does; its suggestions are read as attributions: one per cue (a reporting cue, a
    denial or a refusal to comment) with the source mention it links to and the statements
    that link to it (`attribution_scoring.suggested_attributions`).

    --predictions OUT.jsonl writes, per record, `{"id", "attributions": [...]}` in that shape.

    When the records carry `attributions`, it prints precision, recall and F1 of cues,
    sources and contents, exact and by overlap, and of triples (cue and source overlapping,
    the content covering at least half of the gold statement's words); the rules are in
    annotations/sourcing/attribution_scoring.py. --show-errors lists the gold attributions
    no prediction matched and the predictions that matched none, with their texts.

    The gold data of tests/fixtures/attributions/ (Wikinews paragraphs, annotated blind by
    hand from docs/attribution-guidelines.md before the detector ran on them): dev.jsonl is
    what the rules were developed on; heldout.jsonl is never tuned on.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/eval_attributions.py tests/fixtures/attributions/dev.jsonl
    DEBUG=true .venv/bin/python bench/eval_attributions.py GOLD.jsonl --predictions out.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_sourcing import load_nlp  # noqa: E402 (after the path: the project's modules)


def read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise SystemExit(f"{path}:{number}: a record needs a string 'text'")
            records.append(record)
    return records


def quoted(text: str, spans: list[list[int]]) -> str:
    return " | ".join(repr(text[s:e]) for s, e in spans) or "—"


def describe(text: str, attribution: dict[str, Any]) -> str:
    return (
        f"source {quoted(text, attribution['source'])}; cue {quoted(text, attribution['cue'])};"
        f" content {quoted(text, attribution['content'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", type=Path, help="JSONL records {id, text[, attributions]}")
    parser.add_argument("--predictions", type=Path, help="write the detector's attributions")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()

    records = read_records(args.gold)
    nlp = load_nlp()
    from annotations.sourcing import SourcingDetector
    from annotations.sourcing.attribution_scoring import (
        score,
        suggested_attributions,
        triple_matches,
    )

    detector = SourcingDetector(nlp)
    docs = nlp.pipe(r["text"] for r in records)
    predicted = [suggested_attributions(detector(doc)) for doc in docs]

    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as out:
            for record, attributions in zip(records, predicted, strict=True):
                line = {"id": record.get("id"), "attributions": attributions}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        print(f"wrote {len(records)} records to {args.predictions}")

    scored = [(r, p) for r, p in zip(records, predicted, strict=True) if "attributions" in r]
    if not scored:
        return
    gold_total = sum(len(r["attributions"]) for r, _ in scored)
    print(f"{args.gold}: {len(scored)} records, {gold_total} gold attributions")
    totals = score((r["text"], p, r["attributions"]) for r, p in scored)
    print(f"{'':18} {'precision':>9} {'recall':>7} {'F1':>6} {'predicted':>9} {'gold':>5}")
    for name, counts in totals.items():
        print(
            f"{name:18} {counts.precision:9.3f} {counts.recall:7.3f} {counts.f1:6.3f}"
            f" {counts.predicted:9d} {counts.gold:5d}"
        )
    if args.show_errors:
        for record, attributions in scored:
            text, gold = record["text"], record["attributions"]
            missed = [g for g in gold if not any(triple_matches(text, p, g) for p in attributions)]
            wrong = [p for p in attributions if not any(triple_matches(text, p, g) for g in gold)]
            for g in missed:
                print(f"MISSED {record.get('id')}: {describe(text, g)}")
            for p in wrong:
                print(f"WRONG  {record.get('id')}: {describe(text, p)}")


if __name__ == "__main__":
    main()
