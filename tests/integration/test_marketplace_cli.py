"""Operator commands of the marketplace integration (issue 16): `service-token create/list/revoke` and the first load
`import orders FILE` (CSV and JSON lines, good and bad rows, --dry-run), run in-process against a throw-away var/."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.composition import build_services
from bot.ops.cli import main
from bot.store.service_tokens import token_hash

NOW = datetime.now(timezone.utc)
ORDERED = (NOW - timedelta(days=20)).isoformat()
DELIVERED = (NOW - timedelta(days=5)).isoformat()
ENDS = (NOW + timedelta(days=40)).isoformat()


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BOT_SECRET", raising=False)
    assert main(["migrate"]) == 0
    return tmp_path


def _orders(numbers):
    services = build_services()
    try:
        with services.uow_factory.reading() as uow:
            return {n: uow.orders.get_by_number(n) for n in numbers}
    finally:
        services.close()


def test_service_tokens_are_created_listed_and_revoked(var_dir, capsys):
    assert main(["service-token", "create", "shop", "--scope", "orders:write", "--scope", "disputes:write"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40
    services = build_services()
    try:
        found = services.service_tokens.for_token(token)
        assert found is not None and found.scopes == {"orders:write", "disputes:write"}
        assert services.service_tokens.list()[0].name == "shop"
    finally:
        services.close()
    db = (var_dir / "disputes.db").read_bytes()
    assert token.encode() not in db and token_hash(token).encode() in db  # only the hash is kept
    assert main(["service-token", "list"]) == 0
    assert "shop" in capsys.readouterr().out
    assert main(["service-token", "create", "bad", "--scope", "everything"]) == 2
    assert "unknown: everything" in capsys.readouterr().err
    assert main(["service-token", "create", "shop", "--scope", "orders:write"]) == 2
    assert main(["service-token", "revoke", "shop"]) == 0
    assert main(["service-token", "revoke", "nobody"]) == 2
    services = build_services()
    try:
        assert services.service_tokens.for_token(token) is None
    finally:
        services.close()


HEADER = ("order_number,buyer_id,buyer_name,buyer_email,seller_id,seller_name,item,price,currency,status,"
          "ordered_at,delivered_at,protection_ends_at")
CSV = HEADER + f"""
1111222233334444,mia,Mia,mia@example.com,s-one,Shop One,Lamp,24.90,USD,delivered,{ORDERED},{DELIVERED},{ENDS}
1111222233335555,mia,,,s-one,,Cable,3.50,USD,delivered,{ORDERED},{DELIVERED},{ENDS}
1111222233336666,mia,,,s-one,,Chair,0,USD,delivered,{ORDERED},{DELIVERED},{ENDS}
1111222233337777,ghost,,,s-one,,Desk,10.00,USD,delivered,{ORDERED},{DELIVERED},{ENDS}
1111222233338888,mia,,,s-two,,Mug,2.00,usd,delivered,{ORDERED},{DELIVERED},{ENDS}
"""


def test_a_csv_load_writes_the_good_rows_and_reports_the_bad(var_dir, capsys):
    path = var_dir / "orders.csv"
    path.write_text(CSV)
    assert main(["import", "orders", str(path), "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "Would create 2 orders" in captured.out and "rejected 3" in captured.out
    assert "line 4: price: must be more than zero" in captured.err
    assert "line 5: buyer_id" in captured.err
    assert "line 6: currency" in captured.err
    assert set(_orders(["1111222233334444", "1111222233335555"]).values()) == {None}  # dry run: nothing
    assert main(["import", "orders", str(path)]) == 1
    assert "Created 2 orders, updated 0, rejected 3" in capsys.readouterr().out
    written = _orders(["1111222233334444", "1111222233335555", "1111222233336666"])
    assert written["1111222233334444"].item == "Lamp" and written["1111222233335555"].item == "Cable"
    assert written["1111222233336666"] is None
    assert main(["import", "orders", str(path)]) == 1
    assert "Created 0 orders, updated 2, rejected 3" in capsys.readouterr().out


def test_a_json_lines_load(var_dir, capsys):
    good = {"order_number": "2222333344445555", "buyer_id": "noa", "name": "Noa", "seller_id": "s-x",
            "seller_name": "X", "item": "Kettle", "price": "19.99", "currency": "EUR", "status": "shipped",
            "ordered_at": ORDERED, "shipped_at": DELIVERED, "protection_ends_at": ENDS}
    late = dict(good, order_number="2222333344446666", ordered_at=ENDS)  # protection ends before the order
    lines = [json.dumps(good), "{not json", json.dumps([1]), json.dumps(late)]
    path = var_dir / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert main(["import", "orders", str(path), "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "Would create 1 orders" in captured.out and "rejected 3" in captured.out
    assert "line 2: row: not valid JSON" in captured.err and "line 3: row: not a JSON object" in captured.err
    assert "line 4: protection_ends_at" in captured.err or "line 4: shipped_at" in captured.err
    assert _orders(["2222333344445555"])["2222333344445555"] is None
    path.write_text(json.dumps(good) + "\n")
    assert main(["import", "orders", str(path)]) == 0
    assert _orders(["2222333344445555"])["2222333344445555"].currency == "EUR"
