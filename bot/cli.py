"""`python -m bot ...`: operator commands. Each builds what it needs through the composition root."""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import List, Optional

from sqlalchemy.exc import DBAPIError

from bot.composition import Services, build_services
from bot.disputes.errors import BuyerNotFound, DomainError


def _ready(services: Services) -> None:
    from bot.store import migrate

    migrate.upgrade(services.engine)


def _require_buyer(services: Services, buyer_id: str) -> None:
    with services.uow_factory() as uow:
        if uow.buyers.get(buyer_id) is None:
            raise BuyerNotFound(buyer_id)


def cmd_migrate(services: Services, args) -> int:
    _ready(services)
    print("Database is at the latest schema.")
    return 0


def cmd_db_create(services: Services, args) -> int:
    from bot.composition import create_missing_databases

    try:
        created = create_missing_databases(services.settings)
    except DBAPIError as exc:
        print(f"Could not create the database(s): the PostgreSQL server refused or did not answer "
              f"({type(exc.orig).__name__}). Check DATABASE_URL / RASA_TRACKER_URL and the CREATEDB privilege.",
              file=sys.stderr)
        return 1
    print(f"Created database(s): {', '.join(created)}." if created else "Nothing to create.")
    return 0


def cmd_seed(services: Services, args) -> int:
    from bot.disputes.clock import SystemClock
    from bot.store import seed

    _ready(services)
    if args.reset:
        seed.reset(services.engine)
    created = seed.seed(services.engine, SystemClock(), services.settings.rules, services.evidence)
    if created:
        print(f"Seeded the demo marketplace: {len(seed.BUYERS)} buyers, {len(seed.ORDERS)} orders.")
    elif not args.if_empty:
        print("The store already has data; nothing changed (use --reset to start over).")
    return 0


def cmd_buyers(services: Services, args) -> int:
    with services.uow_factory() as uow:
        buyers = uow.buyers.list()
    if args.json:
        print(json.dumps([{"id": b.id, "name": b.name, "email": b.email} for b in buyers], indent=2))
    else:
        for b in buyers:
            print(f"{b.id:<10} {b.name}")
    return 0


def cmd_orders(services: Services, args) -> int:
    _require_buyer(services, args.buyer_id)
    summaries = services.disputes.list_orders(args.buyer_id)
    rows = [
        {
            "number": s.order.number,
            "item": s.order.item,
            "price": f"{s.order.price:.2f}",
            "currency": s.order.currency,
            "status": s.order.status.value,
            "protection_days_left": s.protection_days_left,
            "can_open_dispute": s.eligibility.can_open,
            "why_not": s.eligibility.reason or None,
            "dispute": {"number": s.dispute_number, "status": s.dispute_status.value} if s.dispute_number else None,
        }
        for s in summaries
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            dispute = f"dispute {r['dispute']['number']} {r['dispute']['status']}" if r["dispute"] else ""
            print(f"{r['number']}  {r['status']:<17} {r['protection_days_left']:>3}d  "
                  f"{r['price']:>7} {r['currency']}  {r['item'][:40]:<40} {dispute}")
    return 0


def cmd_token(services: Services, args) -> int:
    _require_buyer(services, args.buyer_id)
    print(services.buyer_tokens.issue(args.buyer_id))
    return 0


def cmd_agent_create(services: Services, args) -> int:
    agent, token = services.accounts.create_agent(args.name, args.role)
    print(token)
    print(f"Agent {agent.name} ({agent.role.value}) created. The token above is shown once: only its hash is "
          f"kept. Sign in at /agent or send it as 'Authorization: Bearer <token>' to /api/agent.", file=sys.stderr)
    return 0


def cmd_link_code(services: Services, args) -> int:
    code = services.accounts.issue_link_code(args.buyer_id)
    print(code)
    minutes = services.settings.rules.link_code_minutes
    print(f"Valid once, for {minutes} minutes. On Telegram: send /start {code} to the bot, or open "
          f"https://t.me/<bot username>?start={code}", file=sys.stderr)
    return 0


def cmd_sweep(services: Services, args) -> int:
    escalated = services.disputes.escalate_overdue()
    print(f"Escalated {len(escalated)} dispute(s) whose seller did not respond in time"
          + (": " + ", ".join(escalated) if escalated else "."))
    return 0


def cmd_evidence_sweep(services: Services, args) -> int:
    removed = services.remove_orphan_evidence()
    print(f"Removed {len(removed)} evidence file(s) that no dispute or saved draft holds, older than "
          f"{services.settings.orphan_evidence_grace_hours} hours.")
    return 0


def cmd_chat(services: Services, args) -> int:
    from bot.terminal_chat import chat

    _require_buyer(services, args.buyer_id)
    settings = services.settings
    url = args.url or f"http://{settings.gateway_host}:{settings.gateway_port}"
    return chat(url.rstrip("/"), services.buyer_tokens.issue(args.buyer_id))


def cmd_process_env(services: Services, args) -> int:
    """Prints what `rasa run` needs to run on its own (endpoints.yml reads these), as shell exports."""
    for name, value in services.settings.rasa_process_env().items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def cmd_run(services: Services, args) -> int:
    from bot.runner import run_all

    services.close()
    return run_all(services.settings)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Dispute assistant operator commands.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("db-create", help="create the PostgreSQL databases DATABASE_URL and RASA_TRACKER_URL name, "
                                     "if missing").set_defaults(func=cmd_db_create)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=cmd_migrate)
    s = sub.add_parser("seed", help="create the demo marketplace (idempotent)")
    s.add_argument("--reset", action="store_true", help="delete everything first and start over")
    s.add_argument("--if-empty", action="store_true", help="stay quiet when the store already has data")
    s.set_defaults(func=cmd_seed)
    b = sub.add_parser("buyers", help="list buyers")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_buyers)
    o = sub.add_parser("orders", help="a buyer's orders with protection days left and disputes")
    o.add_argument("buyer_id")
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_orders)
    t = sub.add_parser("token", help="print a signed buyer token for the web widget and chat endpoint")
    t.add_argument("buyer_id")
    t.set_defaults(func=cmd_token)
    ac = sub.add_parser("agent-create", help="create a help-desk agent and print its token (shown once)")
    ac.add_argument("name")
    ac.add_argument("--role", choices=["agent", "dispute_team", "admin"], default="agent")
    ac.set_defaults(func=cmd_agent_create)
    lc = sub.add_parser("link-code", help="print a one-time code that links a chat account to a buyer")
    lc.add_argument("buyer_id")
    lc.set_defaults(func=cmd_link_code)
    sub.add_parser("sweep", help="escalate disputes whose seller window has passed").set_defaults(func=cmd_sweep)
    sub.add_parser("evidence-sweep", help="remove evidence files no dispute or draft holds (after "
                   "ORPHAN_EVIDENCE_GRACE_HOURS)").set_defaults(func=cmd_evidence_sweep)
    sub.add_parser("run", help="start the action server, Rasa and the gateway(s)").set_defaults(func=cmd_run)
    sub.add_parser("process-env", help="shell exports for running Rasa on its own").set_defaults(
        func=cmd_process_env)
    c = sub.add_parser("chat", help="chat with the running assistant from this terminal, as a demo buyer")
    c.add_argument("buyer_id")
    c.add_argument("--url", help="gateway URL (default: from settings)")
    c.set_defaults(func=cmd_chat)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    services = build_services()
    try:
        return args.func(services, args)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except DBAPIError as exc:
        print(f"The database is unreachable or not set up yet ({type(exc.orig).__name__}). "
              "Run `python -m bot migrate` (make run does it; `python -m bot db-create` first creates a missing "
              "PostgreSQL database) and check DATABASE_URL.", file=sys.stderr)
        return 1
    finally:
        services.close()
