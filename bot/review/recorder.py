"""Which buyer messages go to the review inbox, read from a conversation's events in the order Rasa stores them
(Rasa's event dicts: `user`, `action`, `bot`, `slot`, ...). Pure: no Rasa import, no I/O.

A turn is a buyer message and what the bot did until it listened again. When the turn ends, the message is
recorded if the intent was `nlu_fallback` or a fallback action answered, if the best intent scored under
`min_confidence`, or if the best two were within `min_margin`. Two later turns can point back at a message: a
"no" right after the bot acted on it (a correction; a "no" answering the bot's own question is an answer, not a
correction), and a request for a person within `handoff_window` turns after a message the bot was unsure about.

State per conversation is the last few turns only, at most `max_conversations` conversations (least recently
active dropped first). A process that has not seen a conversation before can be given its earlier events with
`catch_up` (several Rasa processes may take turns on one conversation): they rebuild the state and record
nothing, since the process that saw them recorded them.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Deque, Dict, Iterable, List, Optional, Tuple

from .model import Guess, ProblemGuess, Reason, Sighting

NLU_FALLBACK = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_fallback", "action_default_fallback"})
LISTEN = "action_listen"
DENY = "deny"
REQUEST_HUMAN = "request_human"
# Intents that are no request the bot could act on wrongly: a "no" after them corrects nothing.
NOT_REQUESTS = frozenset({"affirm", DENY, "greet", "goodbye", "thank", NLU_FALLBACK, "out_of_scope"})
# Slots that mean the bot's answer was a question a yes or no answers.
QUESTION_SLOTS = frozenset({"awaiting_confirmation", "awaiting_changes", "requested_slot"})
YES_NO_PAYLOADS = ("/affirm", "/deny")
UNSURE = frozenset({Reason.FALLBACK, Reason.LOW_CONFIDENCE, Reason.AMBIGUOUS})
ALTERNATIVES = 3


@dataclass(frozen=True)
class Thresholds:
    min_confidence: float = 0.6  # best intent under this: low confidence
    min_margin: float = 0.1  # best two intents closer than this: ambiguous
    handoff_window: int = 2  # a request for a person this many turns after an unsure one points back at it


@dataclass
class _Turn:
    text: str
    typed: bool  # typed by the buyer, not a button's payload
    intent: Optional[str]
    sighting: Optional[Sighting]  # what would be recorded for this message alone (None: nothing)
    acted: bool = False  # an action other than listening or a fallback ran for it
    asked: bool = False  # the bot's answer asked something a yes or no answers
    fallback_ran: bool = False
    recorded: bool = False  # a sighting of this message went out (or, caught up, would have)
    ended: bool = False


@dataclass
class _Conversation:
    turns: Deque[_Turn] = field(default_factory=lambda: deque(maxlen=4))

    @property
    def current(self) -> Optional[_Turn]:
        return self.turns[-1] if self.turns and not self.turns[-1].ended else None


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _ranking(parse: Dict[str, Any]) -> List[Guess]:
    """The intents considered, best first, without nlu_fallback (which says 'none of them', not what was meant)."""
    seen = set()
    guesses = []
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    for entry in ranking:
        if not isinstance(entry, dict):
            continue
        name, confidence = entry.get("name"), _number(entry.get("confidence"))
        if not isinstance(name, str) or not name or name == NLU_FALLBACK or name in seen or confidence is None:
            continue
        seen.add(name)
        guesses.append(Guess(name, round(confidence, 4)))
    return sorted(guesses, key=lambda g: -g.confidence)


def _problems(parse: Dict[str, Any]) -> Tuple[ProblemGuess, ...]:
    found = {e["value"] for e in parse.get("entities") or []
             if isinstance(e, dict) and e.get("entity") == "problem" and isinstance(e.get("value"), str)}
    guesses: List[ProblemGuess] = []
    for entry in parse.get("problem_ranking") or []:
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            guesses.append(ProblemGuess(entry["code"], _number(entry.get("confidence")), entry["code"] in found))
    ranked = {g.code for g in guesses}
    guesses += [ProblemGuess(code, None, True) for code in sorted(found - ranked)]
    return tuple(sorted(guesses, key=lambda g: (not g.found, -(g.confidence or 0.0))))


def _seen_at(event: Dict[str, Any]) -> Optional[datetime]:
    stamp = _number(event.get("timestamp"))
    return datetime.fromtimestamp(stamp, timezone.utc) if stamp is not None else None


class TurnRecorder:
    def __init__(self, thresholds: Thresholds = Thresholds(), max_conversations: int = 5000) -> None:
        self.thresholds = thresholds
        self._max = max_conversations
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()

    def knows(self, conversation_id: str) -> bool:
        return conversation_id in self._conversations

    def catch_up(self, conversation_id: str, events: Iterable[Dict[str, Any]]) -> None:
        """Rebuilds a conversation's state from events another process handled; records nothing."""
        self._conversations.pop(conversation_id, None)
        for event in events:
            for _sighting in self._feed(conversation_id, event):
                pass

    def feed(self, event: Dict[str, Any]) -> List[Sighting]:
        """One event as Rasa publishes it (with `sender_id`); the sightings it completes."""
        conversation_id = event.get("sender_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            return []
        return list(self._feed(conversation_id, event))

    # ---- the state machine ----------------------------------------------------------------------------------

    def _conversation(self, conversation_id: str) -> _Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            conversation = self._conversations[conversation_id] = _Conversation()
            while len(self._conversations) > self._max:
                self._conversations.popitem(last=False)
        else:
            self._conversations.move_to_end(conversation_id)
        return conversation

    def _feed(self, conversation_id: str, event: Dict[str, Any]):
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            self._conversations.pop(conversation_id, None)
            return
        if kind not in ("user", "action", "bot", "slot"):
            return
        conversation = self._conversation(conversation_id)
        current = conversation.current
        if kind == "user":
            if current is not None:  # the previous turn never reached action_listen (a failed turn)
                yield from self._end(conversation, current)
            conversation.turns.append(self._start(conversation_id, event))
            return
        if current is None:
            return
        if kind == "action":
            name = event.get("name")
            if name == LISTEN:
                yield from self._end(conversation, current)
            elif name in FALLBACK_ACTIONS:
                current.fallback_ran = True
            elif isinstance(name, str) and not name.startswith("action_session_start"):
                current.acted = True
        elif kind == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            if any(isinstance(b, dict) and str(b.get("payload", "")).startswith(YES_NO_PAYLOADS) for b in buttons):
                current.asked = True
            if str(event.get("text") or "").rstrip().endswith("?"):
                current.asked = True
        elif kind == "slot" and event.get("name") in QUESTION_SLOTS and event.get("value") not in (None, False):
            current.asked = True

    def _start(self, conversation_id: str, event: Dict[str, Any]) -> _Turn:
        raw_text, raw_parse = event.get("text"), event.get("parse_data")
        text: str = raw_text if isinstance(raw_text, str) else ""
        parse: Dict[str, Any] = raw_parse if isinstance(raw_parse, dict) else {}
        intent = (parse.get("intent") or {}).get("name") if isinstance(parse.get("intent"), dict) else None
        typed = bool(text.strip()) and not text.lstrip().startswith("/")
        if not typed:
            return _Turn(text, False, intent, None)
        ranking = _ranking(parse)
        best = ranking[0] if ranking else None
        reasons = []
        if intent == NLU_FALLBACK:
            reasons.append(Reason.FALLBACK)
        if best is not None and best.confidence < self.thresholds.min_confidence:
            reasons.append(Reason.LOW_CONFIDENCE)
        if len(ranking) > 1 and ranking[0].confidence - ranking[1].confidence < self.thresholds.min_margin:
            reasons.append(Reason.AMBIGUOUS)
        raw_metadata = event.get("metadata")
        metadata: Dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
        buyer = metadata.get("buyer_id")
        sighting = Sighting(
            text=text, conversation_id=conversation_id, reasons=tuple(reasons),
            intent=best.intent if best else None, confidence=best.confidence if best else None,
            alternatives=tuple(ranking[1:1 + ALTERNATIVES]), problems=_problems(parse),
            buyer_id=buyer if isinstance(buyer, str) and buyer else None, seen_at=_seen_at(event))
        return _Turn(text, True, intent, sighting)

    def _end(self, conversation: _Conversation, turn: _Turn):
        turn.ended = True
        sighting = turn.sighting
        if sighting is not None:
            reasons = list(sighting.reasons)
            if turn.fallback_ran and Reason.FALLBACK not in reasons:
                reasons.insert(0, Reason.FALLBACK)
            turn.sighting = sighting = replace(sighting, reasons=tuple(reasons))
            if reasons:
                turn.recorded = True
                yield sighting
        earlier = list(conversation.turns)[:-1]
        if turn.intent == DENY and earlier:
            previous = earlier[-1]
            if previous.sighting is not None and previous.acted and not previous.asked \
                    and previous.intent not in NOT_REQUESTS and not previous.fallback_ran:
                yield self._point_back(previous, Reason.CORRECTION)
        if turn.intent == REQUEST_HUMAN:
            window = earlier[-self.thresholds.handoff_window:]
            for previous in reversed(window):
                if previous.sighting is not None and UNSURE & set(previous.sighting.reasons):
                    yield self._point_back(previous, Reason.HANDOFF_AFTER_MISS)
                    break

    @staticmethod
    def _point_back(turn: _Turn, reason: Reason) -> Sighting:
        sighting = turn.sighting
        assert sighting is not None
        already = turn.recorded
        turn.recorded = True
        if reason not in sighting.reasons:
            turn.sighting = sighting = replace(sighting, reasons=sighting.reasons + (reason,))
        return replace(sighting, reasons=(reason,) if already else sighting.reasons, new_occurrence=not already)
