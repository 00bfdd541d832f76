"""Reviewed messages into Rasa's NLU training data: `python -m bot nlu-review` and `python -m bot nlu-export` as an
operator runs them (a throw-away var/ and a copy of the Rasa project), masked, escaped so that Rasa reads back
exactly what was meant, each exported once, and `rasa data validate` still passing afterwards."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.composition import build_services
from bot.review.model import ReviewStatus, Sighting, Reason
from bot.review.training_data import Example, SECTION_MARKER, TrainingDataError, append, clean
from bot.settings import Settings
from bot.store import migrate
from bot.store.seed import seed

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    'it says "delivered": but where? #help',
    "- starts with a dash: and has 'quotes'",
    "two lines\nof text",
    "broken 💔 again 🙃 … ünïcödé",
    "null",
    "yes",
    "@seller & *star* | pipe > gt % percent {brace} [bracket](entity) ! `tick`",
    "   trailing spaces and a tab\t ",
]


def examples_in(path: Path):
    return [(m.get("text"), m.get("intent"), ((m.get("metadata") or {}).get("example") or {}).get("problem"))
            for m in RasaYAMLReader().read(str(path)).training_examples]


@pytest.mark.parametrize("text", HOSTILE)
def test_yaml_hostile_text_is_read_back_exactly(tmp_path, text):
    path = tmp_path / "nlu.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n- regex: order_number\n'
                    '  examples: |\n    - \\b\\d{16}\\b\n')
    before = len(examples_in(path))
    cleaned = clean(text)
    append(path, [Example(cleaned, "inform", ("damaged",))], "today")
    after = examples_in(path)
    assert len(after) == before + 1
    assert (cleaned, "inform", "damaged") in after
    assert path.read_text(encoding="utf-8").count(SECTION_MARKER) == 1


def test_a_file_whose_nlu_list_is_not_last_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "nlu.yml"
    content = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\nresponses:\n  utter_x:\n  - text: x\n'
    path.write_text(content)
    with pytest.raises(TrainingDataError, match="nothing was written"):
        append(path, [Example("hello there friend", "greet")], "today")
    assert path.read_text() == content


@pytest.fixture
def project(tmp_path):
    """A copy of the Rasa project and a seeded store of its own."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "data", copy / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, copy / name)
    var_dir = tmp_path / "var"
    settings = Settings.from_env({"VAR_DIR": str(var_dir), "BOT_SECRET": "s" * 32})
    services = build_services(settings)
    migrate.upgrade(services.engine)
    from bot.disputes.clock import SystemClock
    seed(services.engine, SystemClock(), settings.rules, services.evidence)
    yield copy, var_dir, services
    services.close()


def bot(var_dir, *args, check=True):
    env = {**os.environ, "VAR_DIR": str(var_dir), "BOT_SECRET": "s" * 32}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def record(services, text, buyer="anna", intent="open_dispute", confidence=0.3):
    return services.review_store.record(Sighting(
        text=text, conversation_id=f"web:{buyer}:tab", reasons=(Reason.LOW_CONFIDENCE,), intent=intent,
        confidence=confidence, buyer_id=buyer, seen_at=datetime.now(timezone.utc)))


@pytest.mark.timeout(180)
def test_review_then_export_then_rasa_data_validate_passes(project):
    copy, var_dir, services = project
    nlu = copy / "data" / "nlu.yml"
    anna = services.accounts.buyer("anna").name
    ids = {
        "masked": record(services, f"I'm {anna} and order 8190334512007781 arrived all smashed to bits, mail me at a.k@mail.com"),
        "hostile": record(services, 'it said "delivered": where is it? #help - now'),
        "known": record(services, "hello there"),  # already an example in data/nlu.yml
        "listed": record(services, "the box was empty and the charger is missing"),
        "dropped": record(services, "asdf qwer"),
    }
    listed = json.loads(bot(var_dir, "nlu-review", "list", "--json").stdout)
    assert {i["id"] for i in listed} == set(ids.values())
    bot(var_dir, "nlu-review", "label", str(ids["masked"]), "--intent", "open_dispute", "--problem", "damaged")
    bot(var_dir, "nlu-review", "label", str(ids["hostile"]), "--intent", "check_protection")
    bot(var_dir, "nlu-review", "label", str(ids["known"]), "--intent", "greet")
    bot(var_dir, "nlu-review", "label", str(ids["listed"]), "--intent", "open_dispute",
        "--problem", "no_packaging", "--problem", "missing_parts")
    assert "discarded" in bot(var_dir, "nlu-review", "discard", str(ids["dropped"])).stdout
    wrong = bot(var_dir, "nlu-review", "label", str(ids["dropped"]), "--intent", "greet", check=False)
    assert wrong.returncode == 2 and "already discarded" in wrong.stderr
    wrong = bot(var_dir, "nlu-review", "label", str(ids["dropped"]), "--intent", "make_coffee", check=False)
    assert wrong.returncode == 2 and "'make_coffee' is not an intent" in wrong.stderr

    untouched = nlu.read_text(encoding="utf-8")
    dry = bot(var_dir, "nlu-export", "--nlu", str(nlu), "--dry-run")
    assert SECTION_MARKER in dry.stdout and "Would add 3 example(s)" in dry.stderr
    assert nlu.read_text(encoding="utf-8") == untouched

    done = bot(var_dir, "nlu-export", "--nlu", str(nlu))
    assert "Added 3 example(s)" in done.stderr and "1 already in the file" in done.stderr
    content = nlu.read_text(encoding="utf-8")
    assert content.startswith(untouched) and content.count(SECTION_MARKER) == 1
    added = content[len(untouched):]
    assert anna.split()[0] not in added and "8190334512007781" not in added and "a.k@mail.com" not in added
    assert "buyer@example.com" in added
    examples = examples_in(nlu)
    [masked] = [e for e in examples if "arrived all smashed to bits" in e[0]]
    assert masked[1:] == ("open_dispute", "damaged")
    assert ("the box was empty and the charger is missing", "open_dispute", ["no_packaging", "missing_parts"]) \
        in examples
    assert ('it said "delivered": where is it? #help - now', "check_protection", None) in examples
    assert all(i.status is ReviewStatus.EXPORTED for i in
               [services.review_store.get(ids[k]) for k in ("masked", "hostile", "known", "listed")])
    # The raw text is not kept once its masked form is in the data.
    assert "8190334512007781" not in services.review_store.get(ids["masked"]).text

    again = bot(var_dir, "nlu-export", "--nlu", str(nlu))
    assert "Added 0 example(s)" in again.stderr and nlu.read_text(encoding="utf-8") == content

    validate = subprocess.run([sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml",
                               "--data", "data", "--config", "config.yml"], cwd=copy, capture_output=True,
                              text=True, timeout=170)
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]
