"""A Rasa NLU component that finds which of the 14 problem codes a message describes.

Span tagging (DIET) finds "arrived smashed" but not "it came in blue, I ordered black", and a span that is
off by a word maps to no code at all. This component reads the whole message instead: a one-vs-rest
logistic regression over word and character n-grams (robust to typos), trained on the same examples, whose
labels are the codes of the message's `problem` annotations. It keeps DIET's `problem` entities that map to a
valid code, drops the others, and adds the codes it predicts itself, so `problem` values are always codes.

Listed in config.yml after EntitySynonymMapper.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.disputes.problems import ProblemCode
from bot.nlu.inference import prepare_for_inference
from bot.nlu.problem_cues import cue_features
from bot.nlu.text_features import text_features
from bot.rasa.nlu.encoded_text import encoded, has_sentence_features, with_sentence
from bot.rasa.nlu.sklearn_component import SklearnComponent

ENTITY = "problem"
# The best guesses below the threshold, for a dialogue that knows it just asked "what is wrong?" and may accept
# a weaker one (the buyer confirms the summary anyway).
RANKING = "problem_ranking"
RANKING_SIZE = 3
CODES = [p.value for p in ProblemCode]


def example_problem_codes(message: Message) -> List[str]:
    """A training example's problem codes: its `problem` annotations, and a `problem` code (or list of codes) in
    the example's metadata, which is how messages reviewed from live conversations carry theirs
    (`python -m bot nlu-export`): the code describes the whole message, not a span the CRF should learn."""
    values = {e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == ENTITY}
    return sorted((values | declared_problem_codes(message)) & set(CODES))


def declared_problem_codes(message: Message) -> set:
    """The `problem` code (or list of codes) in a training example's metadata, as written."""
    metadata = (message.get("metadata") or {}).get("example") or {}
    declared = metadata.get(ENTITY) if isinstance(metadata, dict) else None
    return {str(v) for v in (declared if isinstance(declared, list) else [declared] if declared else [])}


def build_pipeline(c: float, cue_weight: float = 0.5, sentence_weight: float = 0.0):
    """N-gram features plus the cue lexicon (bot.nlu.problem_cues) and the sentence embedding (when weighted),
    one logistic regression per code. Takes EncodedText items (bot.rasa.nlu.encoded_text) or plain texts."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = text_features()
    if cue_weight:
        features = FeatureUnion([("text", features), ("cues", cue_features(cue_weight))])
    return make_pipeline(with_sentence(features, sentence_weight), OneVsRestClassifier(
        LogisticRegression(C=c, class_weight="balanced", max_iter=2000)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class ProblemClassifier(SklearnComponent):
    """`self._model` is {"pipeline": fitted pipeline, "codes": codes in column order}."""

    FILE = "problem_classifier.joblib"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"threshold": 0.5, "C": 10.0, "cue_weight": 0.5, "sentence_weight": 0.25}

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.preprocessing import MultiLabelBinarizer

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [example_problem_codes(m) for m in examples]
        present = sorted({code for codes in labels for code in codes})
        if present:
            targets = MultiLabelBinarizer(classes=present).fit_transform(labels)
            weight = self._config["sentence_weight"] if has_sentence_features(examples) else 0.0
            pipeline = build_pipeline(self._config["C"], self._config["cue_weight"], weight).fit(
                [encoded(m) for m in examples], targets)
            self._model = {"pipeline": pipeline, "codes": present}
        return self._persist()

    @staticmethod
    def prepare_for_inference(model: Any) -> Any:
        if model:
            model["pipeline"] = prepare_for_inference(model["pipeline"])
        return model

    def predict_ranked(self, items: List[Any]) -> List[List[tuple]]:
        """Every code with its probability, best first, for EncodedText items or plain texts."""
        if not self._model or not items:
            return [[] for _ in items]
        probabilities = np.atleast_2d(self._model["pipeline"].predict_proba(items))
        codes = self._model["codes"]
        return [sorted(((code, float(p)) for code, p in zip(codes, row, strict=False)), key=lambda pair: -pair[1])
                for row in probabilities]

    def predict_codes(self, items: List[Any]) -> List[List[tuple]]:
        threshold = self._config["threshold"]
        return [[(code, p) for code, p in ranked if p >= threshold] for ranked in self.predict_ranked(items)]

    def process(self, messages: List[Message]) -> List[Message]:
        threshold = self._config["threshold"]
        for message, ranked in zip(messages, self.predict_ranked([encoded(m) for m in messages]), strict=True):
            predicted = [(code, p) for code, p in ranked if p >= threshold]
            message.set(RANKING, [{"code": code, "confidence": round(p, 4)} for code, p in ranked[:RANKING_SIZE]],
                        add_to_output=True)
            entities = []
            found = set()
            for entity in message.get(ENTITIES) or []:
                if entity.get("entity") != ENTITY:
                    entities.append(entity)
                elif entity.get("value") in CODES and entity["value"] not in found:
                    found.add(entity["value"])
                    entities.append(entity)
            text = message.get(TEXT) or ""
            for code, confidence in sorted(predicted, key=lambda pair: -pair[1]):
                if code not in found:
                    found.add(code)
                    entities.append({"entity": ENTITY, "value": code, "start": 0, "end": len(text),
                                     "confidence": confidence, "extractor": self.__class__.__name__})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

