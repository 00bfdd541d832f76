"""The typed-conversation battery: whole conversations written as buyers type, run through the real stack.

Each conversation (tests/conversations/battery/*.yml) starts from a fresh demo store, is typed turn by turn
over the chat endpoint, and must reach its outcome in the store: a dispute filed with given fields, nothing
filed, an existing dispute changed, something told, or a hand-off. Every turn must get an answer.

    python -m bench.conversations            # starts its own stack; writes reports/conversations/conv-report.*
    python -m bench.conversations --url http://127.0.0.1:8000 --var-dir var   # against a running stack

The tests (tests/e2e/test_typed_battery.py) run the same conversations through `run_conversation`.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.channels.relay import NO_ANSWER  # noqa: E402
BATTERY = ROOT / "tests" / "conversations" / "battery"
REPORTS = ROOT / "reports" / "conversations"


@dataclass
class Turn:
    say: str
    expect: List[str] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    buyer: str
    turns: List[Turn]
    outcome: Dict[str, Any]
    source: str = ""
    known_gap: str = ""  # why the bot does not reach this outcome yet (the tests expect it to fail)
    # What sellers did before the buyer speaks: [{"order": ..., "offer": "partial_refund", "amount": "5"}]
    sellers: List[Dict[str, Any]] = field(default_factory=list)
    language: str = ""  # a conversation in another language than English: no answer may hold an English sentence


@dataclass
class TurnResult:
    say: str
    replies: List[str]
    silent: bool
    missing: List[str]  # expected substrings not in the reply
    english: List[str] = field(default_factory=list)  # English sentences in a non-English conversation

@dataclass
class Result:
    id: str
    source: str
    turns: List[TurnResult]
    outcome_ok: bool
    outcome_problem: str = ""
    known_gap: str = ""

    @property
    def silent_turns(self) -> int:
        return sum(t.silent for t in self.turns)

    @property
    def passed(self) -> bool:
        return (self.outcome_ok and not self.silent_turns and not any(t.missing for t in self.turns)
                and not any(t.english for t in self.turns))

    def explain(self) -> str:
        lines = [f"{self.id} ({self.source}):"]
        for t in self.turns:
            mark = "SILENT " if t.silent else ("MISSING " + repr(t.missing) + " " if t.missing else "")
            mark += ("ENGLISH " + repr(t.english) + " ") if t.english else ""
            lines.append(f"  buyer: {t.say}")
            lines.append(f"    {mark}bot: " + " / ".join(r.replace("\n", " | ") for r in t.replies)[:600])
        if not self.outcome_ok:
            lines.append(f"  OUTCOME: {self.outcome_problem}")
        return "\n".join(lines)


def load_battery(folder: Path = BATTERY) -> List[Conversation]:
    conversations: List[Conversation] = []
    for path in sorted(folder.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text())["conversations"]:
            turns = [Turn(t) if isinstance(t, str) else Turn(t["say"], list(t.get("expect") or []))
                     for t in raw["turns"]]
            conversations.append(Conversation(raw["id"], raw["buyer"], turns, raw["outcome"], path.name,
                                              raw.get("known_gap", ""), list(raw.get("sellers") or []),
                                              str(raw.get("language") or "")))
    ids = [c.id for c in conversations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"conversation ids used twice: {sorted(duplicates)}")
    return conversations


class StoreProbe:
    """Resets the demo store before a conversation and reads what the conversation left in it."""

    def __init__(self, env: Dict[str, str]) -> None:
        sys.path.insert(0, str(ROOT))
        from bot.composition import build_services
        from bot.settings import Settings

        self.services = build_services(Settings.from_env(env))

    def reset(self) -> None:
        from bot.disputes.clock import SystemClock
        from bot.store import seed

        seed.reset(self.services.engine)
        seed.seed(self.services.engine, SystemClock(), self.services.settings.rules, self.services.evidence)

    def sellers_act(self, buyer: str, acts: List[Dict[str, Any]]) -> None:
        """Each seller makes its offer on the buyer's dispute about that order, as the seller of the order."""
        by_order = self.disputes(buyer)
        for act in acts:
            details = by_order[str(act["order"])]
            self.services.disputes.seller_offer(details.order.seller_id, details.dispute.number, act["offer"],
                                                act.get("amount"), act.get("note", ""))

    def disputes(self, buyer: str) -> Dict[str, Any]:
        """Order number -> the dispute on it (claim and status), for one buyer."""
        return {d.order.number: d for d in self.services.disputes.list_disputes(buyer)}

    def handed_off(self, buyer: str, sender: str) -> bool:
        from sqlalchemy import select

        from bot.store import tables as t

        with self.services.engine.connect() as conn:
            rows = conn.execute(select(t.handoffs.c.conversation_id).where(t.handoffs.c.buyer_id == buyer)).all()
        return any(sender in row.conversation_id for row in rows)

    def token(self, buyer: str) -> str:
        return self.services.buyer_tokens.issue(buyer)

    def close(self) -> None:
        self.services.close()


def _texts(messages: List[Dict[str, Any]]) -> List[str]:
    out = []
    for m in messages:
        text = m.get("text") or ""
        buttons = [b.get("title", "") for b in m.get("buttons") or []]
        if buttons:
            text += " [" + " | ".join(buttons) + "]"
        if text:
            out.append(text)
    return out


def run_conversation(conversation: Conversation, url: str, probe: StoreProbe,
                     post: Optional[Callable[..., httpx.Response]] = None) -> Result:
    post = post or httpx.post
    probe.reset()
    probe.sellers_act(conversation.buyer, conversation.sellers)
    before = probe.disputes(conversation.buyer)
    sender = f"battery-{conversation.id}-{uuid.uuid4().hex[:6]}"
    headers = {"Authorization": f"Bearer {probe.token(conversation.buyer)}"}
    turns: List[TurnResult] = []
    everything: List[str] = []
    # English in every language: the marketplace's item titles and the buyer's own words quoted back.
    items = [s.order.item for s in probe.services.disputes.list_orders(conversation.buyer)]
    # Buttons show item titles cut short (at 30 or 40 characters): those prefixes too.
    english_anyway = items + [item[:n] for item in items for n in range(20, len(item))] + \
        [t.say for t in conversation.turns]
    for turn in conversation.turns:
        response = post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": turn.say},
                        headers=headers, timeout=60)
        messages = response.json() if response.status_code == 200 else []
        replies = _texts(messages) if isinstance(messages, list) else []
        if response.status_code != 200:
            replies = [f"HTTP {response.status_code}: {response.text[:200]}"]
        said = " ".join(replies).lower()
        missing = [e for e in turn.expect if e.lower() not in said]
        # The gateway's own stand-in answer counts as silence: the assistant itself said nothing.
        silent = not messages or response.status_code != 200 or replies == [NO_ANSWER]
        english = []
        if conversation.language and conversation.language != "en":
            from bench.language_check import english_sentences

            english = [s for reply in replies for s in english_sentences(reply, english_anyway)]
        turns.append(TurnResult(turn.say, replies, silent=silent, missing=missing, english=english))
        everything += replies
    ok, problem = check_outcome(conversation, before, probe.disputes(conversation.buyer),
                                probe.handed_off(conversation.buyer, sender), " ".join(everything).lower())
    return Result(conversation.id, conversation.source, turns, ok, problem, conversation.known_gap)


def _claim_problems(claim) -> set:
    return {p.value for p in claim.problems}


def _check_claim(expected: Dict[str, Any], details) -> str:
    claim = details.dispute.claim
    if "received" in expected and claim.received is not expected["received"]:
        return f"received is {claim.received}, expected {expected['received']}"
    if "problems" in expected and _claim_problems(claim) != set(expected["problems"]):
        return f"problems are {sorted(_claim_problems(claim))}, expected {sorted(expected['problems'])}"
    if "resolution" in expected and claim.resolution.value != expected["resolution"]:
        return f"resolution is {claim.resolution.value}, expected {expected['resolution']}"
    if "refund_amount" in expected:
        amount = claim.refund_amount
        if amount is None or Decimal(str(amount)) != Decimal(str(expected["refund_amount"])):
            return f"refund amount is {amount}, expected {expected['refund_amount']}"
    for part in expected.get("description_has") or []:
        if part.lower() not in (claim.description or "").lower():
            return f"description {claim.description!r} lacks {part!r}"
    return ""


def check_outcome(conversation: Conversation, before: Dict[str, Any], after: Dict[str, Any], handed_off: bool,
                  said: str) -> tuple:
    outcome = conversation.outcome
    new = {number: d for number, d in after.items() if number not in before}
    if "filed" in outcome:
        expected = outcome["filed"]
        details = new.get(str(expected["order"]))
        if details is None:
            return False, f"no dispute filed on {expected['order']} (new ones: {sorted(new)})"
        extra = sorted(set(new) - {str(expected["order"])})
        if extra:
            return False, f"also filed on {extra}"
        problem = _check_claim(expected, details)
        return (not problem), problem
    if new:
        return False, f"filed on {sorted(new)} although nothing should be"
    if outcome.get("nothing_filed"):
        changed = [n for n in before if after.get(n) is not None and
                   (after[n].dispute.status != before[n].dispute.status or after[n].dispute.claim != before[n].dispute.claim)]
        return (not changed), (f"disputes changed: {changed}" if changed else "")
    if "dispute" in outcome:
        number, status = str(outcome["dispute"]["order"]), outcome["dispute"]["status"]
        actual = after.get(number)
        if actual is None or actual.dispute.status.value != status:
            return False, f"dispute on {number} is {actual.dispute.status.value if actual else None}, expected {status}"
        return True, ""
    if "modified" in outcome:
        expected = outcome["modified"]
        actual = after.get(str(expected["order"]))
        if actual is None:
            return False, f"no dispute on {expected['order']}"
        if actual.dispute.claim == before[str(expected["order"])].dispute.claim:
            return False, "the dispute was not changed"
        problem = _check_claim(expected, actual)
        return (not problem), problem
    if "told" in outcome:
        missing = [part for part in outcome["told"] if part.lower() not in said]
        return (not missing), (f"never told {missing}" if missing else "")
    if outcome.get("handoff"):
        return handed_off, ("no hand-off" if not handed_off else "")
    return False, f"unknown outcome {outcome}"


def summarise(results: List[Result], seconds: float) -> Dict[str, Any]:
    turns = sum(len(r.turns) for r in results)
    failed = [r for r in results if not r.passed]
    return {
        "conversations": len(results),
        "passed": len(results) - len(failed),
        "success_rate": round((len(results) - len(failed)) / len(results), 3) if results else None,
        "buyer_turns": turns,
        "silent_turns": sum(r.silent_turns for r in results),
        "turns_missing_expected_text": sum(1 for r in results for t in r.turns if t.missing),
        "outcomes_missed": sum(1 for r in results if not r.outcome_ok),
        "known_gaps": [{"id": r.id, "why": r.known_gap, "passed": r.passed} for r in results if r.known_gap],
        "seconds": round(seconds, 1),
        "by_file": {source: {"conversations": sum(1 for r in results if r.source == source),
                             "passed": sum(1 for r in results if r.source == source and r.passed)}
                    for source in sorted({r.source for r in results})},
        "failing": [{"id": r.id, "source": r.source, "outcome_problem": r.outcome_problem, "known_gap": r.known_gap,
                     "turns": [asdict(t) for t in r.turns]} for r in failed],
    }


def write_report(summary: Dict[str, Any], folder: Path = REPORTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conv-report.json").write_text(json.dumps(summary, indent=2))
    lines = ["# Typed-conversation battery", "",
             f"- conversations: {summary['conversations']}, passed: {summary['passed']} "
             f"(success rate {summary['success_rate']})",
             f"- buyer turns: {summary['buyer_turns']}, silent turns: {summary['silent_turns']}",
             f"- turns missing an expected answer: {summary['turns_missing_expected_text']}; outcomes missed: "
             f"{summary['outcomes_missed']}", f"- known gaps (written down, expected to fail): "
             f"{len(summary['known_gaps'])}, of which passing now: {sum(g['passed'] for g in summary['known_gaps'])}",
             f"- time: {summary['seconds']} s", "", "| file | passed |", "|---|---|"]
    lines += [f"| {name} | {v['passed']}/{v['conversations']} |" for name, v in summary["by_file"].items()]
    lines += ["", "## Known gaps", ""] + [f"- {g['id']}: {g['why']}" for g in summary["known_gaps"]]
    lines += ["", "## Failing conversations", ""]
    for failure in summary["failing"]:
        lines.append(f"### {failure['id']} ({failure['source']})")
        if failure.get("known_gap"):
            lines.append(f"Known gap: {failure['known_gap']}")
        for t in failure["turns"]:
            mark = " **silent**" if t["silent"] else (f" **missing {t['missing']}**" if t["missing"] else "")
            lines.append(f"- buyer: `{t['say']}`{mark}")
            lines.append("  - bot: " + " / ".join(r.replace("\n", " ") for r in t["replies"])[:500])
        if failure["outcome_problem"]:
            lines.append(f"- outcome: {failure['outcome_problem']}")
        lines.append("")
    path = folder / "conv-report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running gateway (default: start a stack in a temporary folder)")
    parser.add_argument("--var-dir", help="with --url: that stack's VAR_DIR (its store is reset per conversation)")
    parser.add_argument("-k", dest="only", help="only conversations whose id contains this")
    args = parser.parse_args(argv)
    conversations = [c for c in load_battery() if not args.only or args.only in c.id]
    from bench.stack import Stack

    with tempfile.TemporaryDirectory(prefix="conv-report-") as work:
        stack: Optional[Stack] = None
        if args.url:
            import os

            env = {**os.environ, "VAR_DIR": str(Path(args.var_dir or "var").resolve())}
            url = args.url
        else:
            stack = Stack(Path(work) / "var", rasa_processes=1, log_path=Path(work) / "stack.log")
            stack.seed()
            stack.start(240)
            env, url = stack.env, stack.url
        probe = StoreProbe(env)
        started = time.monotonic()
        try:
            results = []
            for conversation in conversations:
                result = run_conversation(conversation, url, probe)
                results.append(result)
                if not result.passed:
                    print(result.explain(), flush=True)
        finally:
            probe.close()
            if stack is not None:
                stack.stop()
        summary = summarise(results, time.monotonic() - started)
    path = write_report(summary)
    print(f"{summary['passed']}/{summary['conversations']} conversations reached their outcome; "
          f"{summary['silent_turns']} silent turns of {summary['buyer_turns']}. Report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
