"""Operator tools: the command line (python -m bot), the process runner and the terminal chat.

The outermost layer: may import anything in bot; nothing in bot imports it."""
