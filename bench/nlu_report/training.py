"""Rasa itself (imported lazily): a quiet environment and logging, training an NLU-only model, parsing texts one at a
time as Rasa serves them, and what the pipeline's sentence encoder costs on its own."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from bench.nlu_report.metrics import _r

ENCODER_COMPONENT = "bot.rasa.nlu.sentence_encoder.SentenceEncoderFeaturizer"
ENCODER_COST_SAMPLE = 300  # training texts the encoder is timed on


def _quiet_environment(cache_dir: Path) -> None:
    """Before rasa is imported: less TensorFlow noise, no telemetry, a throw-away training cache (so the
    timings are real training times and the project's .rasa/cache does not grow with fold models)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("RASA_CACHE_DIRECTORY", str(cache_dir))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    _ignore_deprecations()


def _ignore_deprecations() -> None:
    """Library deprecation chatter (pyparsing, click, SQLAlchemy, random) says nothing about the NLU."""
    import warnings

    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)


def _configure_rasa_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    import rasa.core.agent  # noqa: F401  (importing these sets warning filters of their own,
    import rasa.model_training  # noqa: F401  so they go first and ours are put in front afterwards)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(level)
    configure_structlog(level)
    if not verbose:
        _ignore_deprecations()  # rasa and its libraries put their own filters in front
    for name in ("tensorflow", "absl", "matplotlib", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def train(config: str, nlu_file: Path, out_dir: Path, name: str) -> Tuple[str, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(config, str(nlu_file), str(out_dir), fixed_model_name=name)
    seconds = time.perf_counter() - started
    if not model or not Path(model).exists():
        raise RuntimeError(f"training on {nlu_file} produced no model (see rasa's messages above)")
    return str(model), seconds


def parse_texts(model_path: str, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], float, float, Optional[Set[str]]]:
    """Loads the model and parses each text with ``Agent.parse_message``, one at a time as Rasa serves them.

    Returns the parse dicts, load seconds, parse seconds, and the intents the model's domain lists (None
    when it lists none, as for NLU-only models). The CPU seconds of the parsing (all of this process's
    threads) are in ``LAST_PARSE_CPU_SECONDS``."""
    global LAST_PARSE_CPU_SECONDS
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model_path)
    load_seconds = time.perf_counter() - started

    async def run() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = asyncio.run(run())
    parse_seconds = time.perf_counter() - started
    LAST_PARSE_CPU_SECONDS = time.process_time() - cpu_started
    domain_intents = set(agent.domain.intents) if agent.domain and agent.domain.intents else None
    return parsed, load_seconds, parse_seconds, domain_intents


LAST_PARSE_CPU_SECONDS = 0.0


def _per_message_ms(seconds: float, n: int) -> Optional[float]:
    return _r(1000 * seconds / n, 2) if n else None


def encoder_cost(texts: Sequence[str], config: str) -> Dict[str, Any]:
    """What the pipeline's sentence encoder costs on its own: memory to load it, CPU per message one at a time
    (as Rasa parses) and per message in a batch (as training featurizes). Empty when config.yml has no encoder."""
    from rasa.shared.utils.io import read_config_file

    names = [step.get("name") for step in read_config_file(config).get("pipeline") or []]
    if ENCODER_COMPONENT not in names:
        return {"skipped": "no sentence encoder in the pipeline"}
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa.nlu.sentence_encoder import SentenceEncoderFeaturizer

    rss_before = _rss_mb()
    started = time.perf_counter()
    featurizer = SentenceEncoderFeaturizer({}, "cost")
    featurizer.process([Message(data={"text": "warm up"})])
    load_seconds = time.perf_counter() - started
    rss_after = _rss_mb()
    featurizer.encoder.forget_recent()  # times the encoder, not its memory of recent texts
    cpu_started = time.process_time()
    for text in texts:
        featurizer.process([Message(data={"text": text})])
    one_by_one = time.process_time() - cpu_started
    featurizer.encoder.forget_recent()
    cpu_started = time.process_time()
    featurizer.process([Message(data={"text": text}) for text in texts])
    batched = time.process_time() - cpu_started
    featurizer.encoder.forget_recent()
    return {
        "n": len(texts), "load_seconds": _r(load_seconds, 2),
        "rss_mb_added": _r(rss_after - rss_before, 1) if rss_before is not None and rss_after is not None else None,
        "cpu_ms_per_message": _per_message_ms(one_by_one, len(texts)),
        "cpu_ms_per_message_batched": _per_message_ms(batched, len(texts)),
        "mean_chars": _r(sum(len(t) for t in texts) / len(texts), 1) if texts else None,
    }


def _rss_mb() -> Optional[float]:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
