"""The dispute domain: rules, state machine and services. Knows nothing of Rasa, HTTP or SQL."""
