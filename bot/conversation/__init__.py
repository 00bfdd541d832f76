"""Conversation logic that is neither Rasa nor domain: how a chat turn fills the dispute form."""
