"""A Rasa process's first parse costs about 2 s of CPU on a 2-core machine (measured: 1952 ms against 13 ms for
the next one; lazy set-up in the NLU components and the libraries under them). Paid at start-up instead, before
the process reports healthy, so no buyer's turn waits for it."""
from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

# One short message per language the assistant speaks: every component of the NLU pipeline runs on each.
SAMPLES = ("I want to open a dispute", "mi pedido no llegó", "cadê meu reembolso", "où en est mon litige",
           "хочу поговорить с оператором")


async def warm_up(agent: Any) -> None:
    """Parses the samples and predicts the next action for each, on a scratch conversation that is never
    stored. A failure is logged and start-up goes on: a cold process is slower, not wrong."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    started = time.process_time()
    try:
        for text in SAMPLES:
            parsed = await agent.parse_message(text)
            tracker = DialogueStateTracker.from_events("warm-up", [ActionExecuted(ACTION_LISTEN_NAME)],
                                                       agent.domain.slots)
            tracker.update(UserUttered(text, parse_data=parsed))
            agent.processor.predict_next_with_tracker(tracker)
    except Exception:
        log.exception("warming up the model failed; the first turns will be slower")
        return
    log.info("model warmed up in %.1f s of CPU", time.process_time() - started)
