"""NLU assets built from files in this repository (no downloads)."""
