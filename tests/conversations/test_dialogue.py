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
