"""Score the rule-based sourcing detector on gold JSONL files, and time what it costs.

What it measures
    For each gold file (default: the development data shipped in tests/fixtures/sourcing/,
    seed_gold.jsonl and sourcing_dev.jsonl, then the held-out heldout_gold.jsonl, printed as
    HELD-OUT: Wikinews paragraphs annotated blind from the guidelines before the detector ran
    on them; the general changes made since looked at its errors, so it is a check on
    generalisation, no longer an unseen test; any file of that shape can be given instead), it
    parses every record's text with the configured spaCy model (SPACY_MODEL through
    `entities.pipeline.model_name()`, with the components the detector needs) and runs
    `annotations.sourcing.SourcingDetector` on it. It scores as the dev data's README says:
    per label, a predicted span is right when it overlaps a gold span of the same label in
    the same text, a gold span is found when some prediction of its label overlaps it, and
    predictions that overlap an ignore span are not counted. It prints, per file, gold
    counts, precision, recall and F1 per label, and the macro F1 over the labels the file
    carries that the detector suggests (all seven, `unattributed` included); a label the
    detector did not suggest would be listed but kept out of that average, and a second macro
    figure would include it.
    --show-errors lists every false positive and missed gold span with its context.

    --speed times `nlp.pipe` with the detector's components over the texts of
    tests/fixtures/wikinews_articles.jsonl, without and with running the detector on each
    doc (inside `nlp.memory_zone()`, as the analysis does), the fastest of --repeat runs of
    each, and prints words per second (whitespace-separated words) and the ratio.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/eval_sourcing.py
    DEBUG=true .venv/bin/python bench/eval_sourcing.py path/to/gold.jsonl --show-errors
    DEBUG=true .venv/bin/python bench/eval_sourcing.py --speed --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV_FILES = (
    ROOT / "tests/fixtures/sourcing/seed_gold.jsonl",
    ROOT / "tests/fixtures/sourcing/sourcing_dev.jsonl",
)
HELDOUT_FILE = ROOT / "tests/fixtures/sourcing/heldout_gold.jsonl"
SPEED_FILE = ROOT / "tests/fixtures/wikinews_articles.jsonl"
CONTEXT = 50  # characters of context either side of an error


def load_nlp() -> Any:
    """The configured model with the components the detector needs (nothing else runs)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    import spacy

    from annotations.sourcing import REQUIRED_COMPONENTS
    from entities.pipeline import model_name

    nlp = spacy.load(model_name())
    nlp.select_pipes(enable=[name for name in nlp.pipe_names if name in REQUIRED_COMPONENTS])
    return nlp


def evaluate(nlp: Any, detector: Any, path: Path, show_errors: bool) -> dict[str, Any]:
    """Score one file; prints its table (and errors) and returns the figures."""
    from annotations.sourcing import LABELS
    from annotations.sourcing.scoring import (
        Span,
        gold_spans,
        macro_f1,
        read_gold,
        score_record,
    )

    records = list(read_gold(path))
    scores: dict = {}
    errors = []
    for record, doc in zip(records, nlp.pipe(r["text"] for r in records), strict=True):
        gold, ignore = gold_spans(record)
        predicted = [Span(s.start, s.end, s.label) for s in detector(doc)]
        fps, fns = score_record(gold, predicted, ignore, scores)
        errors.append((record, fps, fns))
    carried = sorted({label for r in records for label in (s["label"] for s in r["spans"])})
    scored = [label for label in carried if label in LABELS]
    held_out = path.resolve() == HELDOUT_FILE.resolve()
    note = " (HELD-OUT: annotated blind; patterns generalised after seeing its errors)"
    note = note if held_out else ""
    print(f"\n{path.name}: {len(records)} texts{note}")
    print(f"  {'label':<18}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}")
    for label in carried:
        score = scores[label]
        note = "" if label in LABELS else "   (not suggested by the detector)"
        print(
            f"  {label:<18}{score.gold:>6}{score.predicted:>6}{score.precision:>8.3f}"
            f"{score.recall:>8.3f}{score.f1:>8.3f}{note}"
        )
    extra = sorted(set(scores) - set(carried))
    if extra:
        counts = ", ".join(f"{label} {scores[label].predicted}" for label in extra)
        print(f"  (also suggested, not in this file's gold, not scored: {counts})")
    macro = macro_f1(scores, scored)
    print(f"  macro F1 over the {len(scored)} detector labels in the file: {macro:.3f}")
    if scored != carried:
        everything = macro_f1(scores, carried)
        print(f"  macro F1 over all {len(carried)} labels in the file: {everything:.3f}")
    if show_errors:
        for record, fps, fns in errors:
            text = record["text"]
            for kind, spans in (("FP", fps), ("FN", fns)):
                for span in spans:
                    if kind == "FP" and span.label not in carried:
                        continue
                    before = text[max(0, span.start - CONTEXT) : span.start]
                    after = text[span.end : span.end + CONTEXT]
                    context = f"{before}[[{text[span.start : span.end]}]]{after}".replace("\n", " ")
                    print(f"    {kind} {span.label:<17} {record.get('id', '')}: …{context}…")
    return {"file": path.name, "macro_f1": macro, "scores": scores, "labels": scored}


def speed(nlp: Any, detector: Any, repeat: int, batch_size: int) -> None:
    """Words per second of nlp.pipe alone and with the detector, fastest of `repeat` runs."""
    texts = [
        json.loads(line)["text"]
        for line in SPEED_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    words = sum(len(t.split()) for t in texts)

    def run(with_detector: bool) -> float:
        started = time.perf_counter()
        with nlp.memory_zone():
            for doc in nlp.pipe(texts, batch_size=batch_size):
                if with_detector:
                    detector(doc)
        return time.perf_counter() - started

    run(True)  # warm-up: caches, lazy imports
    timings: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeat):
        for side in (False, True):
            timings[side].append(run(side))
    parse, full = min(timings[False]), min(timings[True])
    print(
        f"\nspeed over {SPEED_FILE.name}: {len(texts)} texts, {words:,} words, components "
        f"{', '.join(nlp.pipe_names)}; fastest of {repeat}"
    )
    print(f"  nlp.pipe alone        {words / parse:>10,.0f} words/s  ({parse:.2f} s)")
    print(f"  nlp.pipe + detector   {words / full:>10,.0f} words/s  ({full:.2f} s)")
    print(f"  detector overhead     {full / parse - 1:>10.1%}  (time with / time without - 1)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "files", nargs="*", type=Path, help="gold JSONL files (default: dev, then held-out)"
    )
    parser.add_argument("--show-errors", action="store_true", help="list FP and FN spans")
    parser.add_argument("--speed", action="store_true", help="time the detector's overhead")
    parser.add_argument("--repeat", type=int, default=3, help="speed runs per side")
    parser.add_argument("--batch-size", type=int, default=32, help="nlp.pipe batch size")
    args = parser.parse_args(argv)

    from annotations.sourcing import SourcingDetector

    nlp = load_nlp()
    detector = SourcingDetector(nlp)
    print(f"model {nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}")
    for path in args.files or (*DEV_FILES, HELDOUT_FILE):
        evaluate(nlp, detector, path, args.show_errors)
    if args.speed:
        speed(nlp, detector, args.repeat, args.batch_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
