"""NLU benchmark report: cross-validation on data/nlu.yml and the held-out real buyer messages
(`python -m bench.nlu_report --help`; `make nlu-report`). One module per job:

- cli: the command line and the run's order
- data: the held-out TSV, the training data split for folds, gold problem codes, input checksums
- cv: stratified k-fold cross-validation
- heldout: the held-out set parsed and scored
- metrics: pure metric functions (scikit-learn only; tests/unit/test_nlu_report_metrics.py)
- training: Rasa itself, imported lazily: training, parsing, the sentence encoder's cost
- report: summary figures, the Markdown and JSON files, the printed summary
"""
