"""Rasa graph components of the NLU pipeline (config.yml): the sentence-encoder featurizer and the intent and
problem classifiers. The plain helpers they use (n-grams, cues, inference) live in bot.nlu and need no Rasa."""
