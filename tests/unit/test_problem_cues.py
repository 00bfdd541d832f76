"""The cue lexicon behind the problem classifier: one column per problem code, firing on typical wordings."""
from __future__ import annotations

import pytest

from bot.disputes.problems import ProblemCode
from bot.nlu.problem_cues import CUES, cue_features, cue_vector


def test_one_cue_column_per_problem_code():
    assert set(CUES) == {p.value for p in ProblemCode}
    assert len(cue_vector("anything")) == len(ProblemCode)


@pytest.mark.parametrize("text, code", [
    ("this is a cheap knock-off, not genuine", "counterfeit"),
    ("parcel is stuck in customs for weeks", "not_received"),
    ("it wont turn on at all", "not_working"),
    ("came without the charger", "missing_parts"),
])
def test_typical_wordings_fire_their_code(text, code):
    fired = {c for c, v in zip(CUES, cue_vector(text)) if v}
    assert code in fired


def test_the_transformer_weights_the_columns_and_survives_pickling():
    import pickle

    transformer = pickle.loads(pickle.dumps(cue_features(0.5)))
    matrix = transformer.fit_transform(["fake logo", "hello"])
    assert matrix.shape == (2, len(CUES)) and matrix.max() == 0.5 and matrix[1].sum() == 0
