"""The REST chat endpoint against malformed bodies (issue 13, hostile inputs): each gets a 4xx with a JSON
`error`, never a 500, and nothing reaches the assistant."""
from __future__ import annotations

import httpx
import pytest

from support.served_gateway import served_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with served_gateway(tmp_path_factory.mktemp("rest")) as server:
        yield server


def _post(gateway, content, content_type: str | None = "application/json") -> httpx.Response:
    headers = {"Authorization": f"Bearer {gateway.services.buyer_tokens.issue('anna')}"}
    if content_type:
        headers["Content-Type"] = content_type
    return httpx.post(f"{gateway.url}/webhooks/rest/webhook", content=content, headers=headers, timeout=30)


@pytest.mark.parametrize("content, content_type", [
    (b"{not json", "application/json"),
    (b"\xff\xfe{\"sender\": \"a\", \"message\": \"hi\"}", "application/json"),  # not UTF-8
    ('{"sender": "a", "message": "caf\u00e9"}'.encode("latin-1"), "application/json"),  # Latin-1, not UTF-8
    (b'["sender", "message"]', "application/json"),
    (b"null", "application/json"),
    (b'"just a string"', "application/json"),
    (b"", "application/json"),
    (b"sender=a&message=hi", "application/x-www-form-urlencoded"),
    (b'{"sender": ["a"], "message": "hi"}', "application/json"),
    (b'{"sender": "a", "message": {"text": "hi"}}', "application/json"),
    (b'{"sender": "a", "message": null}', "application/json"),
    (b'{"sender": "a", "message": "hi", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json"),
    (b'{"sender": "a", "message": "' + b"x" * 1_000_000 + b'"}', "application/json"),
])
def test_malformed_bodies_get_a_json_4xx(gateway, content, content_type):
    sent = len(gateway.rasa.received)
    response = _post(gateway, content, content_type)
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:200]}"
    assert response.headers["content-type"] == "application/json" and response.json()["error"]
    assert len(gateway.rasa.received) == sent


def test_a_well_formed_body_still_works(gateway):
    response = _post(gateway, b'{"sender": "a", "message": "caf\xc3\xa9"}')
    assert response.status_code == 200 and response.json()[0]["text"] == "you said caf\u00e9"


@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_json_under_another_content_type_is_read_as_rasa_does(gateway, content_type):
    """Rasa's REST channel reads the body as JSON whatever the header says, and clients written for it rely on
    that. No cross-site risk: the Authorization header already makes a browser ask first (CORS preflight)."""
    response = _post(gateway, b'{"sender": "a", "message": "hi"}', content_type)
    assert response.status_code == 200 and response.json()[0]["text"] == "you said hi"
