"""Pure metric functions of bench.nlu_report (no Rasa): expected figures are worked out by hand."""
from __future__ import annotations

from collections import Counter

import pytest

from bench.nlu_report.cv import split_folds
from bench.nlu_report.data import VALID_PROBLEM_CODES, problem_set, read_heldout
from bench.nlu_report.metrics import (
    confusion_pairs,
    intent_metrics,
    invalid_codes,
    overlap,
    problem_confusions,
    problem_metrics,
    record,
    truncate,
)
from bot.disputes.problems import ProblemCode


def test_valid_codes_are_the_domain_problem_codes():
    assert VALID_PROBLEM_CODES == {p.value for p in ProblemCode}
    assert len(VALID_PROBLEM_CODES) == 14


# ---------------------------------------------------------------- intents

def test_intent_metrics_by_hand():
    gold = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "b", "b", "nlu_fallback", "a"]
    m = intent_metrics(gold, pred)
    # a: TP 2, predicted 3 (incl. the c message) -> P 2/3, R 2/3, F1 2/3
    assert m["per_intent"]["a"] == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667, "support": 3}
    # b: TP 1, predicted 2 -> P 1/2; gold 2 -> R 1/2; F1 1/2
    assert m["per_intent"]["b"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    # c: never predicted -> 0 everywhere (zero_division=0, no warning)
    assert m["per_intent"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # nlu_fallback is not a gold intent: it has no row and does not enter the macro average
    assert set(m["per_intent"]) == {"a", "b", "c"}
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3, abs=1e-4)
    assert m["accuracy"] == pytest.approx(3 / 6, abs=1e-4)
    assert m["predicted_outside_gold"] == {"nlu_fallback": 1}
    assert m["n"] == 6


def test_intent_metrics_unknown_gold_intent_and_empty_input():
    m = intent_metrics(["open_dispute", "greet"], ["greet", "greet"])
    assert m["per_intent"]["open_dispute"]["recall"] == 0.0
    assert m["per_intent"]["greet"]["precision"] == 0.5
    assert m["macro_f1"] == pytest.approx((0 + 2 / 3) / 2, abs=1e-4)
    empty = intent_metrics([], [])
    assert empty["n"] == 0 and empty["macro_f1"] is None and empty["accuracy"] is None
    with pytest.raises(ValueError):
        intent_metrics(["a"], [])


def test_confusion_pairs_sorted_by_count_then_name():
    gold = ["a", "a", "a", "b", "b", "c", "c"]
    pred = ["b", "b", "a", "a", "c", "a", "c"]
    assert confusion_pairs(gold, pred) == [
        {"gold": "a", "predicted": "b", "count": 2},
        {"gold": "b", "predicted": "a", "count": 1},
        {"gold": "b", "predicted": "c", "count": 1},
        {"gold": "c", "predicted": "a", "count": 1},
    ]
    assert confusion_pairs(gold, pred, top=1) == [{"gold": "a", "predicted": "b", "count": 2}]
    assert confusion_pairs(["a"], ["a"]) == []
    assert confusion_pairs([], []) == []


# ---------------------------------------------------------------- problem codes

def test_problem_metrics_two_codes_precision_half_recall_one():
    # message 1: gold {damaged}, predicted {damaged, wrong_item} -> TP damaged, FP wrong_item
    # message 2: gold {}, predicted {} -> nothing
    m = problem_metrics([{"damaged"}, set()], [{"damaged", "wrong_item"}, set()])
    assert (m["tp"], m["fp"], m["fn"]) == (1, 1, 0)
    assert m["micro_precision"] == 0.5
    assert m["micro_recall"] == 1.0
    assert m["micro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["per_code"]["damaged"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
                                        "tp": 1, "fp": 0, "fn": 0}
    # wrong_item is never gold: no per-code score, only its counts
    assert m["too_few_examples"] == {"wrong_item": {"support": 0, "tp": 0, "fp": 1, "fn": 0}}
    assert m["exact_match"] == 0.5


def test_problem_metrics_strict_vs_lenient():
    gold = [{"counterfeit"}, {"not_received"}, set(), {"size_mismatch"}]
    pred = [{"counterfeit", "damaged"}, set(), {"damaged"}, {"color_mismatch"}]
    strict = problem_metrics(gold, pred)
    # TP: counterfeit(1); FP: damaged(msg1), damaged(msg3), color_mismatch(msg4) = 3;
    # FN: not_received(msg2), size_mismatch(msg4) = 2
    assert (strict["tp"], strict["fp"], strict["fn"]) == (1, 3, 2)
    assert strict["micro_precision"] == 0.25
    assert strict["micro_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert strict["micro_f1"] == pytest.approx(2 * 0.25 * (1 / 3) / (0.25 + 1 / 3), abs=1e-4)  # 2/7
    # damaged and color_mismatch are never gold: counts only, no per-code scores
    assert strict["too_few_examples"]["damaged"] == {"support": 0, "tp": 0, "fp": 2, "fn": 0}
    assert strict["per_code"]["counterfeit"]["precision"] == 1.0
    assert strict["per_code"]["not_received"]["recall"] == 0.0
    assert strict["exact_match"] == 0.0

    lenient = problem_metrics(gold, pred, lenient=True)
    # extra codes next to a gold code are forgiven (damaged in msg1, color_mismatch in msg4),
    # but damaged predicted for the no-problem msg3 is still a false positive
    assert (lenient["tp"], lenient["fp"], lenient["fn"]) == (1, 1, 2)
    assert lenient["micro_precision"] == 0.5
    assert lenient["micro_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert lenient["micro_f1"] == pytest.approx(0.4, abs=1e-4)
    assert lenient["exact_match"] == 0.25  # msg1 only (gold code among the predicted)
    assert lenient["lenient"] is True and strict["lenient"] is False


def test_problem_metrics_min_support_hides_per_code_scores_but_keeps_micro():
    gold = [{"a"}] * 8 + [{"b"}] * 2
    pred = [{"a"}] * 6 + [set()] * 2 + [{"b"}, set()]
    m = problem_metrics(gold, pred, min_support=8)
    assert set(m["per_code"]) == {"a"}
    assert m["per_code"]["a"]["recall"] == 0.75 and m["per_code"]["a"]["precision"] == 1.0
    assert m["too_few_examples"] == {"b": {"support": 2, "tp": 1, "fp": 0, "fn": 1}}
    # micro over both codes: TP 7, FP 0, FN 3
    assert (m["tp"], m["fp"], m["fn"]) == (7, 0, 3)
    assert m["micro_recall"] == 0.7 and m["micro_precision"] == 1.0


def test_problem_metrics_nothing_gold_nothing_predicted_is_undefined():
    m = problem_metrics([set(), set()], [set(), set()])
    assert m["micro_f1"] is None and m["tp"] == m["fp"] == m["fn"] == 0
    assert m["exact_match"] == 1.0
    m = problem_metrics([{"damaged"}], [set()])
    assert (m["micro_precision"], m["micro_recall"], m["micro_f1"]) == (0.0, 0.0, 0.0)


def test_invalid_codes_counted_once_per_message():
    result = invalid_codes([{"damaged", "smashed"}, {"smashed"}, {"fake"}, set()])
    assert result == {"count": 3, "values": {"smashed": 2, "fake": 1}}
    assert invalid_codes([{"damaged"}]) == {"count": 0, "values": {}}


# ---------------------------------------------------------------- held-out file

def test_read_heldout_keeps_quotes_and_maps_none(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text(
        "text\tintent\tproblem_type\tsource_url\n"
        'the "new" phone is a fake\topen_dispute\tcounterfeit\thttps://example.org/1\n'
        'he said "soon\tcheck_refund_status\tnone\thttps://example.org/2\n'
        "\n"
        "thanks 🙏\tthank\tnone\thttps://example.org/3\n",
        encoding="utf-8",
    )
    rows = read_heldout(path)
    assert [r["text"] for r in rows] == ['the "new" phone is a fake', 'he said "soon', "thanks 🙏"]
    assert [r["intent"] for r in rows] == ["open_dispute", "check_refund_status", "thank"]
    assert [r["problems"] for r in rows] == [{"counterfeit"}, set(), set()]
    assert rows[1]["source_url"] == "https://example.org/2"


def test_read_heldout_rejects_malformed_rows(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tintent\tproblem_type\tsource_url\nonly two\tfields\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        read_heldout(bad)
    no_col = tmp_path / "nocol.tsv"
    no_col.write_text("text\tlabel\nhi\tgreet\n", encoding="utf-8")
    with pytest.raises(ValueError, match="intent"):
        read_heldout(no_col)


def test_problem_set():
    assert problem_set("none") == set() and problem_set("") == set() and problem_set(" None ") == set()
    assert problem_set("damaged") == {"damaged"}


# ---------------------------------------------------------------- folds

def test_split_folds_is_stratified_complete_and_deterministic():
    examples = ["a"] * 10 + ["b"] * 6 + ["c"] * 3 + ["d"]
    folds = split_folds(list(enumerate(examples)), 3, seed=7, label=lambda e: e[1])
    assert len(folds) == 3
    tests = [t for _, t in folds]
    # every example is tested exactly once; train and test of a fold are disjoint and complete
    assert sorted(i for t in tests for i, _ in t) == list(range(20))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == 20
    # stratified: a 10/6/3/1 label split over 3 folds gives a in {3,4}, b 2 each, c 1 each, d in one fold
    for t in tests:
        c = Counter(label for _, label in t)
        assert c["a"] in (3, 4) and c["b"] == 2 and c["c"] == 1
    assert sum(Counter(label for _, label in t)["d"] for t in tests) == 1
    assert sorted(len(t) for t in tests) == [6, 7, 7]
    assert split_folds(list(enumerate(examples)), 3, seed=7, label=lambda e: e[1]) == folds
    assert split_folds(list(enumerate(examples)), 3, seed=8, label=lambda e: e[1]) != folds


def test_split_folds_rejects_bad_k():
    with pytest.raises(ValueError):
        split_folds(["a", "b"], 1)
    with pytest.raises(ValueError):
        split_folds(["a", "b"], 3)


# ---------------------------------------------------------------- helpers

def test_record_reads_parse_dict_and_ignores_fallback_for_the_second_view():
    parsed = {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "open_dispute", "confidence": 0.25}],
        "entities": [{"entity": "problem", "value": "damaged"}, {"entity": "order_id", "value": "123"},
                     {"entity": "problem", "value": "damaged"}],
    }
    r = record("it came broken", "open_dispute", {"damaged"}, parsed)
    assert r["pred_intent"] == "nlu_fallback" and r["pred_intent_no_fallback"] == "open_dispute"
    assert r["pred_problems"] == {"damaged"}
    empty = record("x", "greet", set(), {"intent": {"name": None}, "entities": []})
    assert empty["pred_intent"] == "<none>" and empty["pred_problems"] == set()


def test_truncate_and_overlap():
    assert truncate("a" * 200) == "a" * 119 + "…" and len(truncate("a" * 200)) == 120
    assert truncate("short\ntext") == "short text"
    assert overlap(["Where is  my parcel", "new text"], ["where is my parcel"]) == ["Where is  my parcel"]


def test_problem_confusions_pair_missed_codes_with_what_was_predicted_instead():
    gold = [{"damaged"}, {"damaged"}, {"not_received"}, set(), {"wrong_item", "damaged"}, {"counterfeit"}]
    pred = [{"not_working"}, {"not_working"}, set(), {"damaged"}, {"wrong_item"}, {"counterfeit"}]
    assert problem_confusions(gold, pred) == [
        {"gold": "damaged", "predicted": "not_working", "count": 2},
        {"gold": "damaged", "predicted": "none", "count": 1},
        {"gold": "none", "predicted": "damaged", "count": 1},
        {"gold": "not_received", "predicted": "none", "count": 1},
    ]
    assert problem_confusions(gold, pred, top=1) == [{"gold": "damaged", "predicted": "not_working", "count": 2}]
    assert problem_confusions([{"damaged"}], [{"damaged"}]) == []
