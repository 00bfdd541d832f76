"""Dispute assistant: helps marketplace buyers resolve problems with their orders.

Packages, innermost first (docs/architecture.md has the picture and the import rules, which `make check`
enforces): disputes (the domain) <- conversation, review, helpdesk, notifications, nlu <- store <- rasa,
channels <- gateway <- ops. The composition root (composition.py) builds everything from settings.py.
"""
