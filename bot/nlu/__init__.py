"""NLU helpers that need no Rasa: n-gram features, problem cue words, fast inference for fitted scikit-learn
pipelines, and the spaCy pipeline built from installed packages (no downloads). The Rasa components that use
them are in bot.rasa.nlu.

May import: bot.disputes (problem codes), numpy, scikit-learn, spaCy.
"""
