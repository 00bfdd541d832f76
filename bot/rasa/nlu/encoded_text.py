"""What the project's classifiers read from a message: its text and, when the pipeline has the sentence encoder
(bot.rasa.nlu.sentence_encoder), its sentence embedding.

The classifiers are scikit-learn pipelines; their input is a list of EncodedText (plain strings work too, with
no embedding). `with_sentence` joins any text-only feature pipeline with the embedding, scaled by a weight: the
n-gram part is a few thousand TF-IDF columns of norm about 1 per block, the embedding 512 columns of norm 1, and
the weight sets how much the regression can lean on meaning against words (chosen by cross-validation, ADR 0009).
"""
from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Sequence

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


class EncodedText(NamedTuple):
    text: str
    sentence: Optional[np.ndarray]  # (dimensions,) or None when the pipeline has no sentence features


def encoded(message: Message) -> EncodedText:
    _, sentence = message.get_dense_features(TEXT)
    vector = None if sentence is None else np.asarray(sentence.features, dtype=np.float32).reshape(-1)
    return EncodedText(message.get(TEXT) or "", vector)


def texts_of(items: Sequence[Any]) -> List[str]:
    return [item if isinstance(item, str) else item.text for item in items]


def sentence_matrix(items: Sequence[Any], weight: float = 1.0, dimensions: int = 512) -> np.ndarray:
    """The embeddings as rows, times `weight`; a zero row for an item without one (a plain string)."""
    matrix = np.zeros((len(items), dimensions), dtype=np.float32)
    for i, item in enumerate(items):
        vector = None if isinstance(item, str) else item.sentence
        if vector is not None:
            matrix[i] = vector
    return matrix * weight


def on_text(text_part: Any) -> Any:
    """A text-only feature step made to take EncodedText items."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(FunctionTransformer(texts_of, validate=False), text_part)


def with_sentence(text_part: Any, weight: float, dimensions: int = 512) -> Any:
    """`text_part`'s features beside the sentence embedding (weight 0: the text features alone)."""
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import FunctionTransformer

    if not weight:
        return on_text(text_part)
    return FeatureUnion([
        ("text", on_text(text_part)),
        ("sentence", FunctionTransformer(sentence_matrix, kw_args={"weight": weight, "dimensions": dimensions},
                                         validate=False)),
    ])


def has_sentence_features(messages: Sequence[Message]) -> bool:
    return any(message.get_dense_features(TEXT)[1] is not None for message in messages)
