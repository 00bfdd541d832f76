"""Dispute assistant: helps marketplace buyers resolve problems with their orders."""
