"""Fault benchmark: processes killed and the database cut while buyers confirm disputes.

    python -m bench.faults [--actions 20] [--rasa 6] [--gateway 8] [--mid-form 8]
                           [--db-cut 15] [--db-refuse 4] [--redis-restart 4] [--profiles single,scaled]
                           [--seed 13] [--out bench/results]

Each try is one buyer (an extra bench buyer with one delivered order, bench/load/stores.py) typing a dispute over the
REST chat endpoint up to the summary ("Shall I file it?"), then confirming with "yes" while a fault hits the
stack within the time the buyer's previous turn took (at most 150 ms):

- `actions`, `rasa`, `gateway`: kill -9 of that process group (for Rasa, the process holding the conversation);
  `python -m bot run` restarts it.
- `db-cut` (profile scaled): every PostgreSQL connection of the store's database terminated.
- `db-refuse` (scaled): the database refuses connections for 3 s (ALLOW_CONNECTIONS false) and its connections
  are terminated.
- `redis-restart` (scaled): the Redis server the stack uses (one started for the run) killed and started again.
- `mid-form` (single): kill -9 of a random process at a random turn before the summary; the buyer sends that
  turn again and goes on.

Then the buyer behaves as told: while the dispute is not reported filed they say "yes" again (up to 4 times,
waiting for a healthy stack between tries), and finally ask for its status. The store decides: one dispute for
the buyer's order is filed, none is LOST. Every answer is classified: answered, silent (HTTP 200 with no text),
bare 500 (an error that is not JSON), a JSON error, or no connection (the gateway itself was killed).

Profile `single` is `python -m bot run`'s default (SQLite); `scaled` uses a fresh PostgreSQL database on
BENCH_POSTGRES_URL's server (dropped afterwards) and a Redis server started for the run on a free port.
Only loopback addresses; every loop is bounded in count and time. Writes bench/results/faults-<time>.json.
A benchmark: it reports, it never fails on a figure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional

import httpx

from bot.channels.relay import NO_ANSWER
from bench.load.stores import DEFAULT_POSTGRES_URL, prepare_store, temporary_database
from bench.stack import ROOT, Stack, free_port

HEAL_TIMEOUT = 120.0
TURN_TIMEOUT = 60.0
FILED = "is open"  # "Done: dispute N is open."
SUMMARY = "Shall I file it?"
NOTHING_PENDING = "no question waiting"
RETRIES = 4
# Faults come within the time the buyer's previous turn took (a typed turn takes 50-250 ms here), at most this.
MAX_DELAY_MS = 150


# ---- the buyer ----------------------------------------------------------------------------------------------

@dataclass
class Answer:
    kind: str  # answered | silent | bare_500 | json_error | no_connection
    status: Optional[int]
    text: str

    @property
    def usable(self) -> bool:
        """An answer that moves the conversation on: not an error, not the gateway's "try again"."""
        return self.kind == "answered" and NO_ANSWER not in self.text

    @property
    def filed(self) -> bool:
        return self.kind == "answered" and FILED in self.text


class Buyer:
    def __init__(self, url: str, token: str, buyer_id: str, order_number: str) -> None:
        self.url, self.buyer_id, self.order_number = url, buyer_id, order_number
        self.headers = {"Authorization": f"Bearer {token}"}
        self.sender = f"faults-{buyer_id}"
        self.answers: List[Answer] = []
        self.log: Optional[List[str]] = None
        self.last_turn_ms = 100.0

    def say(self, text: str) -> Answer:
        answer = self._say(text)
        if self.log is not None:
            self.log.append(f"{text!r} -> {answer.kind} {answer.status}: {answer.text[:140]!r}")
        return answer

    def _say(self, text: str) -> Answer:
        started = time.perf_counter()
        try:
            response = httpx.post(f"{self.url}/webhooks/rest/webhook", headers=self.headers, timeout=TURN_TIMEOUT,
                                  json={"sender": self.sender, "message": text})
        except httpx.HTTPError as exc:
            answer = Answer("no_connection", None, type(exc).__name__)
        else:
            answer = classify(response)
        self.last_turn_ms = (time.perf_counter() - started) * 1000
        self.answers.append(answer)
        return answer


def classify(response: httpx.Response) -> Answer:
    is_json = response.headers.get("content-type", "").startswith("application/json")
    if response.status_code != 200:
        if not is_json:
            return Answer("bare_500" if response.status_code >= 500 else "bare_error", response.status_code,
                          response.text[:200])
        return Answer("json_error", response.status_code, str(response.json().get("error"))[:200])
    body = response.json() if is_json else None
    texts = [m.get("text") or "" for m in body or [] if isinstance(m, dict)]
    if not any(t.strip() for t in texts):
        return Answer("silent", 200, "")
    return Answer("answered", 200, "\n".join(texts))


def next_words(buyer: Buyer, bot_text: str) -> str:
    """What a buyer types to the form's question (no buttons tapped)."""
    text = bot_text.lower()
    for cue, words in (("which order", buyer.order_number), ("receive the item", "yes i got it"),
                       ("what went wrong", "it stopped working"), ("what would you like", "full refund"),
                       ("describe the problem", "the earbuds stopped charging after two days"),
                       ("photos", "no photos"), ("shall i file it", "yes")):
        if cue in text:
            return words
    return "continue my dispute"


def opening(buyer: Buyer) -> str:
    return f"my earbuds from order {buyer.order_number} stopped working, i want a full refund"


# ---- the faults (the stack is bench.stack's) -------------------------------------------------------------

class Postgres:
    """Cuts and refuses the connections of one database, from an administrative connection to another."""

    def __init__(self, server_url: str, database: str) -> None:
        from sqlalchemy import create_engine

        self.database = database
        self._admin = create_engine(server_url, future=True, isolation_level="AUTOCOMMIT")

    def _run(self, statement: str) -> None:
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(statement), {"db": self.database})

    def cut(self) -> None:
        self._run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                  "AND pid <> pg_backend_pid()")

    def refuse(self, allow: bool) -> None:
        self._run(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        if not allow:
            self.cut()

    def close(self) -> None:
        self.refuse(True)
        self._admin.dispose()


class RedisServer:
    """A Redis server for one run, on a free loopback port, keeping nothing on disk."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.work = work
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self, down_seconds: float = 1.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()


# ---- one try ------------------------------------------------------------------------------------------------

@dataclass
class Try:
    fault: str
    profile: str
    buyer: str
    delay_ms: int
    at_turn: Optional[int] = None
    first_answer: str = ""
    first_answer_text: str = ""
    yes_needed: int = 0
    told_filed: bool = False
    disputes_in_store: int = 0
    outcome: str = ""  # filed | lost | not_confirmed
    answers: Dict[str, int] = field(default_factory=dict)
    heal_seconds: float = 0.0
    turns: List[str] = field(default_factory=list)  # what the buyer said and saw, turn by turn
    rasa_events: List[str] = field(default_factory=list)  # Rasa's stored events, for a try that went wrong
    note: str = ""


def disputes_of(engine, buyer_id: str) -> int:
    from sqlalchemy import func, select

    from bot.store import tables as t

    for attempt in range(20):  # the store itself may be coming back from a fault
        try:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(t.disputes)
                                    .where(t.disputes.c.buyer_id == buyer_id)).scalar_one()
        except Exception:
            time.sleep(0.5)
    raise RuntimeError("the store did not answer")


def rasa_events(env: Dict[str, str], conversation_id: str) -> List[str]:
    """The conversation's events in Rasa's tracker store, one line each (type, intent or action)."""
    from sqlalchemy import create_engine, text

    from bot.settings import Settings

    engine = create_engine(Settings.from_env(env).rasa_tracker_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT type_name, intent_name, action_name FROM events WHERE sender_id = :s "
                                     "ORDER BY id"), {"s": conversation_id}).all()
    finally:
        engine.dispose()
    return [" ".join(str(v) for v in row if v) for row in rows]


def say_until_answered(stack: Stack, buyer: Buyer, text: str, tries: int = 3) -> Answer:
    """A buyer whose message got no usable answer sends it again once the stack is back."""
    answer = buyer.say(text)
    for _ in range(tries - 1):
        if answer.usable:
            break
        stack.wait_healthy(HEAL_TIMEOUT)
        answer = buyer.say(text)
    return answer


def fault_delay_ms(buyer: Buyer, rng: random.Random) -> int:
    """Within the time the buyer's previous turn took: the fault lands while the turn is being processed (the
    filing, the reply, the transcript), not after it."""
    return round(rng.uniform(0, min(MAX_DELAY_MS, buyer.last_turn_ms)))


def reach_summary(stack: Stack, buyer: Buyer, record: Optional[Try] = None,
                  inject: Optional[Callable[[], None]] = None, rng: Optional[random.Random] = None) -> bool:
    """Types the form up to its summary; with `inject`, the fault hits turn `record.at_turn`."""
    text = opening(buyer)
    for turn in range(12):
        if record is not None and record.at_turn == turn and inject is not None:
            record.delay_ms = fault_delay_ms(buyer, rng)
            threading.Timer(record.delay_ms / 1000, inject).start()
        answer = say_until_answered(stack, buyer, text)
        if not answer.usable:
            return False
        if SUMMARY in answer.text:
            return True
        text = next_words(buyer, answer.text)
    return False


def confirm_under_fault(stack: Stack, buyer: Buyer, record: Try, inject: Optional[Callable[[], None]],
                        heal: Callable[[], None], rng: random.Random) -> None:
    """The final yes, with the fault (if any) injected while it is processed, then the buyer's retries."""
    if inject is None:
        inject = lambda: None  # noqa: E731
    else:
        record.delay_ms = fault_delay_ms(buyer, rng)
    timer = threading.Timer(record.delay_ms / 1000, inject)
    timer.start()
    first = buyer.say("yes")
    timer.join()
    record.first_answer, record.first_answer_text = first.kind, first.text[:160]
    record.yes_needed = 1
    started = time.monotonic()
    heal()
    record.heal_seconds = round(stack.wait_healthy(HEAL_TIMEOUT) + (time.monotonic() - started), 2)
    told = first.filed
    while not told and record.yes_needed < RETRIES:
        answer = buyer.say("yes")
        record.yes_needed += 1
        if not answer.usable:
            stack.wait_healthy(HEAL_TIMEOUT)
            continue
        if answer.filed:
            told = True
        elif NOTHING_PENDING in answer.text:
            break  # nothing waits for a yes any more: the status below tells what happened
        # Otherwise the summary again, or "not filed yet ... say yes to try again": the buyer does.
    status = say_until_answered(stack, buyer, "what is the status of my dispute")
    record.told_filed = told or (status.kind == "answered" and "Dispute " in status.text
                                 and "You have no disputes" not in status.text)


def run_tries(stack: Stack, engine, buyers: List[Buyer], plan: List[str], profile: str, rng: random.Random,
              faults: Dict[str, Callable[[Buyer], Callable[[], None]]], heal: Callable[[], None]) -> List[Try]:
    records = []
    for buyer, fault in zip(buyers, plan):
        record = Try(fault=fault, profile=profile, buyer=buyer.buyer_id, delay_ms=0)
        inject = faults[fault](buyer)
        buyer.log = record.turns
        try:
            if fault == "mid-form":
                record.at_turn = rng.randint(0, 2)
                if not reach_summary(stack, buyer, record, inject, rng):
                    record.outcome, record.note = "not_confirmed", "the form did not reach its summary"
                else:
                    stack.wait_healthy(HEAL_TIMEOUT)
                    confirm_under_fault(stack, buyer, record, None, lambda: None, rng)
            elif not reach_summary(stack, buyer):
                record.outcome, record.note = "not_confirmed", "the form did not reach its summary"
            else:
                confirm_under_fault(stack, buyer, record, inject, heal, rng)
        except RuntimeError as exc:
            record.note = str(exc)
            heal()
            stack.wait_healthy(HEAL_TIMEOUT)
        record.disputes_in_store = disputes_of(engine, buyer.buyer_id)
        if not record.outcome:
            record.outcome = "filed" if record.disputes_in_store == 1 else "lost"
        if record.outcome != "filed":
            record.rasa_events = rasa_events(stack.env, f"rest:{buyer.buyer_id}:{buyer.sender}")
        for answer in buyer.answers:
            record.answers[answer.kind] = record.answers.get(answer.kind, 0) + 1
        records.append(record)
        print(f"  {profile:7} {fault:13} +{record.delay_ms:3d} ms  first: {record.first_answer:13} "
              f"yes x{record.yes_needed}  -> {record.outcome}", flush=True)
    return records


def _bench_buyers(env: Dict[str, str], tokens: List[str], url: str) -> List[Buyer]:
    # bench.load.stores's bench buyers: bench0000, ... with order 77 + 14 digits of their index.
    return [Buyer(url, token, f"bench{i:04d}", f"77{i:014d}") for i, token in enumerate(tokens)]


def _engine(env: Dict[str, str]):
    from bot.composition import build_services
    from bot.settings import Settings

    return build_services(Settings.from_env(env)).engine


def single_profile(args, work: Path, rng: random.Random) -> List[Try]:
    plan = ["actions"] * args.actions + ["rasa"] * args.rasa + ["gateway"] * args.gateway \
        + ["mid-form"] * args.mid_form
    rng.shuffle(plan)
    if not plan:
        return []
    stack = Stack(work / "single" / "var", rasa_processes=1, log_path=work / "single-stack.log")
    tokens = prepare_store(stack, len(plan))
    print(f"single: starting the stack ({len(plan)} tries) ...", flush=True)
    stack.start()
    engine = _engine(stack.env)
    buyers = _bench_buyers(stack.env, tokens, stack.urls[0])
    from bot.rasa.client import shard_of

    def rasa_of(buyer: Buyer) -> Callable[[], None]:
        conversation = f"rest:{buyer.buyer_id}:{buyer.sender}"
        return lambda: stack.kill("rasa", shard_of(conversation, len(stack.processes("rasa")) or 1))

    faults = {"actions": lambda b: (lambda: stack.kill("action_server")),
              "rasa": rasa_of,
              "gateway": lambda b: (lambda: stack.kill("gateway")),
              "mid-form": lambda b: (lambda: stack.kill(rng.choice(["action_server", "gateway", "rasa"])))}
    try:
        return run_tries(stack, engine, buyers, plan, "single", rng, faults, heal=lambda: None)
    finally:
        engine.dispose()
        stack.stop()


def scaled_profile(args, work: Path, rng: random.Random) -> List[Try]:
    plan = ["db-cut"] * args.db_cut + ["db-refuse"] * args.db_refuse + ["redis-restart"] * args.redis_restart
    rng.shuffle(plan)
    if not plan:
        return []
    if args.redis_restart and not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: run without --redis-restart or install it")
    server = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"faults_{os.getpid()}"
    redis = RedisServer(work)
    redis.start()
    try:
        with temporary_database(server, name) as url:
            stack = Stack(work / "scaled" / "var", profile="scaled", database_url=url, redis_url=redis.url,
                          rasa_workers=1, action_server_workers=1, gateways=1, rasa_processes=1,
                          log_path=work / "scaled-stack.log")
            tokens = prepare_store(stack, len(plan))
            postgres = Postgres(server, name)
            print(f"scaled: starting the stack ({len(plan)} tries) ...", flush=True)
            stack.start()
            engine = _engine(stack.env)
            buyers = _bench_buyers(stack.env, tokens, stack.urls[0])
            refused = threading.Event()

            def refuse() -> None:
                refused.set()
                postgres.refuse(False)

            def heal() -> None:
                if refused.is_set():
                    time.sleep(max(0.0, 3.0 - 0.3))
                    postgres.refuse(True)
                    refused.clear()

            faults = {"db-cut": lambda b: postgres.cut, "db-refuse": lambda b: refuse,
                      "redis-restart": lambda b: redis.restart}
            try:
                return run_tries(stack, engine, buyers, plan, "scaled", rng, faults, heal)
            finally:
                engine.dispose()
                stack.stop()
                postgres.close()
    finally:
        redis.kill()


def summarise(records: List[Try]) -> Dict[str, object]:
    at_yes = [r for r in records if r.fault != "mid-form"]
    answers: Dict[str, int] = {}
    for r in records:
        for kind, n in r.answers.items():
            answers[kind] = answers.get(kind, 0) + n
    by_fault: Dict[str, Dict[str, int]] = {}
    for r in records:
        row = by_fault.setdefault(r.fault, {"tries": 0, "filed": 0, "lost": 0, "not_confirmed": 0,
                                            "filed_on_first_yes": 0})
        row["tries"] += 1
        row[r.outcome] += 1
        row["filed_on_first_yes"] += int(r.first_answer == "answered" and "is open" in r.first_answer_text)
    confirmed = [r for r in records if r.outcome != "not_confirmed"]
    return {
        "tries": len(records), "tries_at_final_yes": len(at_yes),
        "confirmed": len(confirmed), "filed": sum(r.outcome == "filed" for r in records),
        "lost": sum(r.outcome == "lost" for r in records),
        "not_confirmed": len(records) - len(confirmed),
        "told_filed_but_missing": sum(r.told_filed and r.disputes_in_store == 0 for r in records),
        "answers": answers, "silent": answers.get("silent", 0), "bare_500": answers.get("bare_500", 0),
        "by_fault": by_fault,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--rasa", type=int, default=6)
    parser.add_argument("--gateway", type=int, default=8)
    parser.add_argument("--mid-form", type=int, default=8)
    parser.add_argument("--db-cut", type=int, default=15)
    parser.add_argument("--db-refuse", type=int, default=4)
    parser.add_argument("--redis-restart", type=int, default=4)
    parser.add_argument("--profiles", default="single,scaled")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    started = time.monotonic()
    records: List[Try] = []
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        work = Path(tmp)
        if "single" in profiles:
            records += single_profile(args, work, rng)
        if "scaled" in profiles:
            records += scaled_profile(args, work, rng)
    report = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "seed": args.seed,
              "seconds": round(time.monotonic() - started, 1), "summary": summarise(records),
              "tries": [asdict(r) for r in records]}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"faults-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    summary = report["summary"]
    print(f"\n{summary['tries']} tries ({summary['tries_at_final_yes']} at the final yes) in {report['seconds']} s: "
          f"{summary['filed']} filed, {summary['lost']} LOST, {summary['not_confirmed']} not confirmed; "
          f"answers {summary['answers']}; silent {summary['silent']}, bare 500 {summary['bare_500']}.\n"
          f"Report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
