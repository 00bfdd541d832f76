"""Data quality gates on the trained model: `rasa data validate` and the test stories, no prediction errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "dispute-assistant.tar.gz"


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_training_data_validates_cleanly():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_story_count():
    import yaml

    stories = yaml.safe_load((ROOT / "tests/conversations/test_stories.yml").read_text())["stories"]
    assert len(stories) >= 40


def test_stories_pass_without_prediction_errors(tmp_path):
    if not MODEL.exists():
        pytest.fail("No trained model: run the suite through `make test`, which trains it first.")
    result = rasa("test", "core", "--model", str(MODEL), "--stories", "tests/conversations/test_stories.yml",
                  "--fail-on-prediction-errors", "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text()[:4000] if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-2000:] + result.stderr[-2000:]


STORIES_ONLY = ROOT / "tests/conversations/stories_only.yml"


def test_a_story_only_data_stories_teaches_passes(tmp_path):
    if not MODEL.exists():
        pytest.fail("No trained model: run the suite through `make test`, which trains it first.")
    result = rasa("test", "core", "--model", str(MODEL), "--stories", str(STORIES_ONLY),
                  "--fail-on-prediction-errors", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_without_data_stories_that_story_fails(tmp_path):
    """The same story against dialogue policies trained on the rules alone: it must fail, or the story above
    proves nothing about data/stories.yml."""
    rules_only = tmp_path / "data"
    rules_only.mkdir()
    (rules_only / "rules.yml").write_text((ROOT / "data/rules.yml").read_text())
    trained = rasa("train", "core", "--domain", "domain.yml", "--config", "config.yml", "--stories",
                   str(rules_only), "--out", str(tmp_path / "models"), "--fixed-model-name", "rules-only")
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
    model = next((tmp_path / "models").glob("rules-only*.tar.gz"))
    result = rasa("test", "core", "--model", str(model), "--stories", str(STORIES_ONLY),
                  "--fail-on-prediction-errors", "--out", str(tmp_path / "results"))
    assert result.returncode != 0, "the story passed without data/stories.yml"
