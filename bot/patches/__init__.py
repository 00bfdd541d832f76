"""Changes to third-party internals, one module per patched library, each with a version guard, an off switch
setting and a way back (uninstall). Installed only by the composition root, never on import.

May import: the patched library; nothing else in bot."""
