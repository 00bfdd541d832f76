"""Builds the spaCy pipeline Rasa uses: a blank English tokenizer plus the lookup lemmatizer, whose tables
come from the spacy-lookups-data package installed with the project. Nothing is downloaded.

    python -m bot.nlu.spacy_model models/spacy_en
"""
from __future__ import annotations

import sys
from pathlib import Path


def build(target: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "dispute_en"
    nlp.meta["description"] = "Blank English tokenizer with lookup lemmas, built by bot.nlu.spacy_model"
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "models/spacy_en"))
