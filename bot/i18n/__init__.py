"""Languages of the conversation: which ones the assistant speaks, the message catalogue its texts are translated
through (gettext .po files read with Babel), money and dates in each language's format, and telling a message's
language. Pure: no Rasa, HTTP or SQL; every layer may use it. docs/languages.md says how to add a language."""
from .catalogue import N_, Translator, catalogue, translator
from .languages import DEFAULT, NAMES, SUPPORTED, supported

__all__ = ["DEFAULT", "NAMES", "N_", "SUPPORTED", "Translator", "catalogue", "supported", "translator"]
