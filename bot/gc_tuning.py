"""Start-up objects out of the cyclic garbage collector's way (measured: docs/adr/0006-performance.md)."""
from __future__ import annotations

import gc


def freeze_long_lived_objects() -> None:
    """A process's libraries, and in Rasa its loaded model and domain, are many long-lived objects that
    Python's cyclic garbage collector walks again at every full collection, in the middle of buyers' turns.
    Called once start-up is done: frozen, they are left out of collections (gc.freeze, made for this; it
    also keeps forked workers from copying those pages). Everything created later is collected as usual."""
    gc.collect()
    gc.freeze()
