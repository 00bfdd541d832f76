"""Fallback in two stages, and asking for a person."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted

from .common import button

FALLBACK = "action_fallback"


def previous_turn_was_fallback(tracker: Tracker) -> bool:
    """True when the bot's last answer before this message was itself a fallback."""
    seen_current_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current_message:
                return False
            seen_current_message = True
        elif seen_current_message and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == FALLBACK
    return False


class ActionFallback(Action):
    """First miss: ask to rephrase. Second miss in a row: offer a person and the main options."""

    def name(self) -> Text:
        return FALLBACK

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not previous_turn_was_fallback(tracker):
            dispatcher.utter_message(text="Sorry, I didn't get that. Could you say it another way? For example: "
                                          "'my earbuds arrived broken' or 'where is my refund'.")
        else:
            dispatcher.utter_message(
                text="I'm still not sure what you need. I can get a person from our help desk, or pick one of "
                     "these:",
                buttons=[button("Talk to a person", "request_human"), button("Open a dispute", "open_dispute"),
                         button("My orders", "list_orders"), button("Dispute status", "check_dispute_status")])
        # The misunderstood message is taken back so it does not steer the dialogue.
        return [UserUtteranceReverted()]


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(text="I'm asking a person from our help desk to join. They will see what we "
                                      "have so far, so you won't need to repeat it. Meanwhile you can keep "
                                      "writing here.")
        return [SlotSet("handoff_requested", True)]
