"""`python -m bot ...`: operator commands. Each builds what it needs through the composition root."""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import DBAPIError

from bot.composition import build_services
from bot.disputes.errors import BuyerNotFound, DomainError
from bot.services import Services


def _ready(services: Services) -> None:
    from bot.store import migrate

    migrate.upgrade(services.engine)


def _require_buyer(services: Services, buyer_id: str) -> None:
    with services.uow_factory.reading() as uow:
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
    with services.uow_factory.reading() as uow:
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
    rows: List[Dict[str, Any]] = [
        {
            "number": s.order.number,
            "item": s.order.item,
            "price": f"{s.order.price:.2f}",
            "currency": s.order.currency,
            "status": s.order.status.value,
            "protection_days_left": s.protection_days_left,
            "can_open_dispute": s.eligibility.can_open,
            "why_not": s.eligibility.reason or None,
            "dispute": {"number": s.dispute_number, "status": s.dispute_status.value}
            if s.dispute_number and s.dispute_status else None,
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


def cmd_service_token(services: Services, args) -> int:
    tokens = services.service_tokens
    if args.action == "create":
        record, token = tokens.create(args.name, args.scope or [])
        print(token)
        print(f"Service token {record.name} ({', '.join(sorted(record.scopes))}) created. The token above is shown "
              f"once: only its hash is kept. Send it as 'Authorization: Bearer <token>' to /api/marketplace.",
              file=sys.stderr)
    elif args.action == "list":
        for t in tokens.list():
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            print(f"{t.name:<24} {state:<24} {' '.join(sorted(t.scopes))}")
    else:
        tokens.revoke(args.name)
        print(f"Service token {args.name} revoked.")
    return 0


def cmd_import(services: Services, args) -> int:
    from pathlib import Path

    from bot.ops.importer import import_orders

    path = Path(args.file)
    if not path.is_file():
        print(f"There is no file {path}.", file=sys.stderr)
        return 1
    report = import_orders(services.catalog, path, dry_run=args.dry_run)
    for r in report.rejected:
        print(f"line {r.line}: {r.field or 'row'}: {r.why}", file=sys.stderr)
    verb = "Would create" if args.dry_run else "Created"
    print(f"{verb} {report.created} orders, updated {report.updated}, rejected {len(report.rejected)} rows "
          f"(buyers created: {report.buyers_created})" + (" - dry run, nothing written." if args.dry_run else "."))
    return 1 if report.rejected else 0


def cmd_link_code(services: Services, args) -> int:
    code = services.accounts.issue_link_code(args.buyer_id)
    print(code)
    minutes = services.settings.rules.link_code_minutes
    print(f"Valid once, for {minutes} minutes. On Telegram: send /start {code} to the bot, or open "
          f"https://t.me/<bot username>?start={code}", file=sys.stderr)
    return 0


def _seller_of(services: Services, dispute_number: str) -> str:
    """The seller of the dispute's order: the seller stand-in acts as them."""
    with services.uow_factory.reading() as uow:
        dispute = uow.disputes.get_by_number(str(dispute_number).strip())
        order = uow.orders.get(dispute.order_id) if dispute is not None else None
    if order is None:
        raise SystemExit(f"No dispute {dispute_number}.")
    return order.seller_id


def cmd_seller(services: Services, args) -> int:
    """A seller stand-in for the demo: answer a dispute as its order's seller; the buyer gets the news (a push on
    Telegram, the dispute's status in the chat) and answers the bot."""
    disputes, number = services.disputes, args.dispute
    seller = _seller_of(services, number)
    if args.action == "offer":
        resolution = "another_item" if args.another_item else "partial_refund"
        details = disputes.seller_offer(seller, number, resolution, args.amount, args.note or "")
    elif args.action == "reject":
        details = disputes.seller_reject(seller, number, args.note or "")
    else:  # accept / refund: the seller accepts the buyer's request (a refund request is refunded)
        details = disputes.seller_accept(seller, number)
    print(f"Dispute {details.dispute.number} ({details.order.item}), as seller {seller}: "
          f"{details.dispute.status.value.replace('_', ' ')}"
          + (f"; refund of {details.refund.amount} {details.refund.currency} issued" if details.refund else "") + ".")
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


def cmd_outbox(services: Services, args) -> int:
    """Dispute events for the marketplace's webhook: what is pending or failed, and replaying them."""
    from datetime import datetime, timezone

    outbox = services.outbox
    if args.action == "replay":
        if bool(args.event_id) == bool(args.failed):
            print("Give one EVENT_ID, or --failed for every failed delivery.", file=sys.stderr)
            return 2
        count = outbox.replay(datetime.now(timezone.utc), event_id=args.event_id, all_failed=args.failed)
        if args.event_id and not count:
            print(f"No dispute event {args.event_id}.", file=sys.stderr)
            return 1
        print(f"Replaying {count} dispute event(s): back to pending, sent on the webhook worker's next round.")
        return 0
    counts = outbox.counts()
    rows = outbox.undelivered(args.state, args.limit)
    if args.json:
        print(json.dumps({"counts": counts, "events": [r.as_dict() for r in rows]}, indent=2))
        return 0
    print(f"Dispute events: {counts['pending']} pending, {counts['failed']} failed, {counts['delivered']} delivered"
          + ("" if services.settings.marketplace_webhook_url else " (MARKETPLACE_WEBHOOK_URL is not set)"))
    for r in rows:
        print(f"{r.event_id}  {r.state:<7}  {r.event_type:<24}  dispute {r.dispute_number}  "
              f"attempts {r.attempts}  {r.last_error or '-'}"
              + (f"  (replayed {r.replayed_at:%Y-%m-%d %H:%M})" if r.replayed_at else ""))
    return 0


def cmd_chat(services: Services, args) -> int:
    from bot.ops.terminal_chat import chat

    _require_buyer(services, args.buyer_id)
    settings = services.settings
    url = args.url or f"http://{settings.gateway_host}:{settings.gateway_port}"
    return chat(url.rstrip("/"), services.buyer_tokens.issue(args.buyer_id))


def cmd_process_env(services: Services, args) -> int:
    """Prints what `rasa run` needs to run on its own (endpoints.yml reads these), as shell exports."""
    from bot.composition import signing_secret
    from bot.ops.runner import rasa_process_env

    for name, value in rasa_process_env(services.settings, signing_secret(services.settings)).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _review_line(item) -> str:
    guess = f"{item.intent} {item.confidence:.2f}" if item.intent and item.confidence is not None else "-"
    others = ", ".join(f"{g.intent} {g.confidence:.2f}" for g in item.alternatives)
    problems = ", ".join(p.code for p in item.problems if p.found)
    return (f"#{item.id:<5} x{item.repeats:<3} {'+'.join(item.reasons):<28} {guess:<28} {json.dumps(item.text)}"
            + (f"\n        also: {others}" if others else "") + (f"\n        problems: {problems}" if problems else ""))


def cmd_nlu_review(services: Services, args) -> int:
    inbox = services.review
    if args.action == "list":
        items = inbox.reviewed(args.limit) if args.labelled else inbox.pending(args.limit)
        if args.json:
            print(json.dumps([{**{k: getattr(i, k) for k in ("id", "text", "conversation_id", "reasons", "intent",
                                                               "confidence", "repeats", "label_intent",
                                                               "label_problems")},
                               "status": i.status.value, "last_seen_at": i.last_seen_at.isoformat(),
                               "alternatives": [{"intent": g.intent, "confidence": g.confidence}
                                                for g in i.alternatives],
                               "problems": [{"code": p.code, "confidence": p.confidence, "found": p.found}
                                            for p in i.problems]} for i in items], indent=2))
            return 0
        for item in items:
            print(_review_line(item) + (f"\n        labelled: {item.label_intent} {' '.join(item.label_problems)}"
                                        if item.label_intent else ""))
        what = "labelled, not exported yet" if args.labelled else "pending"
        print(f"{len(items)} {what}." if items else f"Nothing {what}.", file=sys.stderr)
        return 0
    if args.action == "label":
        item = inbox.label(args.item_id, args.intent, args.problem or [], "cli")
        print(f"#{item.id} labelled {item.label_intent}" + (f" ({', '.join(item.label_problems)})"
                                                           if item.label_problems else "")
              + ". `python -m bot nlu-export` adds it to the training data.")
        return 0
    item = inbox.discard(args.item_id, "cli")
    print(f"#{item.id} discarded.")
    return 0


def cmd_nlu_export(services: Services, args) -> int:
    from datetime import datetime, timezone
    from pathlib import Path

    from bot.review.export import export_reviewed
    from bot.review.training_data import TrainingDataError
    from bot.settings import PROJECT_ROOT

    path = Path(args.nlu) if args.nlu else PROJECT_ROOT / "data" / "nlu.yml"

    def buyer_name(buyer_id):
        buyer = services.accounts.buyer(buyer_id) if buyer_id else None
        return buyer.name if buyer else None

    try:
        report = export_reviewed(services.review_store, buyer_name, path, datetime.now(timezone.utc),
                                 dry_run=args.dry_run)
    except TrainingDataError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.dry_run:
        print(report.section, end="")
    skipped = f"; {report.already_there} already in the file" if report.already_there else ""
    verb = "Would add" if args.dry_run else "Added"
    print(f"{verb} {len(report.written)} example(s) to {path}{skipped}."
          + (" Retrain (make model) to use them." if report.written and not args.dry_run else ""), file=sys.stderr)
    return 0


def cmd_run(services: Services, args) -> int:
    from bot.ops.runner import run_all

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
    st = sub.add_parser("service-token", help="tokens of the marketplace's systems for /api/marketplace")
    st_sub = st.add_subparsers(dest="action", required=True)
    stc = st_sub.add_parser("create", help="create a token with scopes and print it (shown once)")
    stc.add_argument("name")
    stc.add_argument("--scope", action="append", metavar="SCOPE",
                     help="buyers:write, orders:write, disputes:write or decisions:write; repeat for several")
    st_sub.add_parser("list", help="every token: name, state, scopes")
    str_ = st_sub.add_parser("revoke", help="revoke a token (it stops working at once)")
    str_.add_argument("name")
    st.set_defaults(func=cmd_service_token)
    im = sub.add_parser("import", help="first load of the marketplace's data (docs/integration.md)")
    im.add_argument("kind", choices=["orders"])
    im.add_argument("file", help="CSV with a header, or JSON lines")
    im.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    im.set_defaults(func=cmd_import)
    lc = sub.add_parser("link-code", help="print a one-time code that links a chat account to a buyer")
    lc.add_argument("buyer_id")
    lc.set_defaults(func=cmd_link_code)
    sub.add_parser("sweep", help="escalate disputes whose seller window has passed").set_defaults(func=cmd_sweep)
    sub.add_parser("evidence-sweep", help="remove evidence files no dispute or draft holds (after "
                   "ORPHAN_EVIDENCE_GRACE_HOURS)").set_defaults(func=cmd_evidence_sweep)
    sub.add_parser("run", help="start the action server, Rasa and the gateway(s)").set_defaults(func=cmd_run)
    sub.add_parser("process-env", help="shell exports for running Rasa on its own").set_defaults(
        func=cmd_process_env)
    nr = sub.add_parser("nlu-review", help="the review inbox: buyer messages the bot was unsure about")
    nr_sub = nr.add_subparsers(dest="action", required=True)
    nl = nr_sub.add_parser("list", help="pending messages, most repeated first")
    nl.add_argument("--labelled", action="store_true", help="the labelled ones not exported yet instead")
    nl.add_argument("--limit", type=int, default=50)
    nl.add_argument("--json", action="store_true")
    nb = nr_sub.add_parser("label", help="give a message its intent (and problem codes)")
    nb.add_argument("item_id", type=int)
    nb.add_argument("--intent", required=True, help="one of domain.yml's intents")
    nb.add_argument("--problem", action="append", metavar="CODE", help="a problem code; repeat for several")
    nd = nr_sub.add_parser("discard", help="leave a message out of the training data")
    nd.add_argument("item_id", type=int)
    nr.set_defaults(func=cmd_nlu_review)
    ne = sub.add_parser("nlu-export", help="append the labelled messages, masked, to the NLU training data")
    ne.add_argument("--nlu", metavar="PATH", help="the NLU file to append to (default data/nlu.yml)")
    ne.add_argument("--dry-run", action="store_true", help="print what would be added; change nothing")
    ne.set_defaults(func=cmd_nlu_export)
    sl = sub.add_parser("seller", help="play the seller of a dispute's order (demo): offer, accept, reject, refund")
    sl.add_argument("action", choices=["offer", "accept", "reject", "refund"],
                    help="offer: a partial refund (--amount) or another item (--another-item); accept / refund: "
                         "accept the buyer's request; reject: with --note")
    sl.add_argument("dispute", help="the dispute number")
    sl.add_argument("--amount", help="the partial refund offered, e.g. 5")
    sl.add_argument("--another-item", action="store_true", help="offer to send another item instead")
    sl.add_argument("--note", help="the seller's words to the buyer")
    sl.set_defaults(func=cmd_seller)
    ob = sub.add_parser("outbox", help="dispute events for the marketplace's webhook: pending and failed "
                        "deliveries, replay (docs/integration.md)")
    ob_sub = ob.add_subparsers(dest="action")
    obl = ob_sub.add_parser("list", help="counts, and the pending and failed deliveries with their last errors "
                            "(the default)")
    obr = ob_sub.add_parser("replay", help="put an event (EVENT_ID) or every failed one (--failed) back to pending")
    obr.add_argument("event_id", nargs="?")
    obr.add_argument("--failed", action="store_true")
    for o in (ob, obl):
        o.add_argument("--state", choices=["all", "pending", "failed"], default="all")
        o.add_argument("--limit", type=int, default=100)
        o.add_argument("--json", action="store_true")
    ob.set_defaults(func=cmd_outbox, action="list")
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
