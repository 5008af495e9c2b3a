"""The attribution gold (tests/fixtures/attributions): well formed, and dev and held-out apart."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLD = Path(__file__).resolve().parent.parent / "fixtures" / "attributions"
PARTS = ("dev", "heldout")


def load_builder():
    spec = importlib.util.spec_from_file_location("build_gold", GOLD / "build_gold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def records(part: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / f"{part}.jsonl").read_text().splitlines()]


def article_of(record_id: str) -> str:
    return record_id.rsplit("-p", 1)[0]


def test_it_rebuilds_both_files_from_the_annotations_and_every_span_matches_its_text():
    counts = load_builder().check()

    assert counts["dev"] == len(records("dev"))
    assert counts["heldout"] == len(records("heldout"))


@pytest.mark.parametrize("part", PARTS)
def test_it_gives_every_attribution_a_cue_and_spans_inside_the_text(part):
    for record in records(part):
        for attribution in record["attributions"]:
            assert attribution["cue"], record["id"]
            for spans in attribution.values():
                for start, end in spans:
                    piece = record["text"][start:end]
                    assert 0 <= start < end <= len(record["text"]), record["id"]
                    assert piece == piece.strip(), (record["id"], piece)


@pytest.mark.parametrize("part", PARTS)
def test_it_ends_no_content_span_with_sentence_punctuation_or_whitespace(part):
    for record in records(part):
        for attribution in record["attributions"]:
            for start, end in attribution["content"]:
                piece = record["text"][start:end]
                assert piece[-1] not in ".,;:!?" and not piece[-1].isspace(), (record["id"], piece)


@pytest.mark.parametrize("part", PARTS)
def test_it_has_enough_attributions_and_paragraphs_without_any(part):
    gold = records(part)
    attributions = sum(len(r["attributions"]) for r in gold)
    without = [r["id"] for r in gold if not r["attributions"]]

    assert attributions >= 60
    assert len(without) >= 5


def test_it_keeps_dev_and_heldout_apart_by_paragraph_and_by_article():
    dev, heldout = records("dev"), records("heldout")

    assert not {r["id"] for r in dev} & {r["id"] for r in heldout}
    assert not {article_of(r["id"]) for r in dev} & {article_of(r["id"]) for r in heldout}
