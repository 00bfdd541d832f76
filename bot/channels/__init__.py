"""Channels the gateway terminates: each turns its own wire format into turns for Rasa and back."""
