"""A stand-in for Rasa's token-protected gateway channel, for channel tests that need no NLU."""
from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler


class StandInRasa(BaseHTTPRequestHandler):
    """Echoes; 'menu' offers buttons, 'long' answers 9000 characters, 'html' answers markup characters,
    'crash' answers something that is not JSON, 'silent' answers no message, 'agent please' asks for a hand-off as action_request_human does."""

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send_response(401)
            self.end_headers()
            return
        self.server.received.append(body)
        message = body["message"]
        reply = [{"recipient_id": body["sender"], "text": f"you said {message}"}]
        if message == "menu":
            reply[0]["buttons"] = [{"title": "Open", "payload": "/open_dispute"},
                                   {"title": "Order", "payload": '/inform{"order_number":"8190334512007781"}'}]
        elif message == "long":
            reply[0]["text"] = "\n".join(f"line {i} " + "x" * 80 for i in range(100))
        elif message == "html":
            reply[0]["text"] = "a <b>bold</b> & c"
        elif message == "crash":
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not json!")
            return
        elif message == "silent":  # what Rasa answers when an action fails
            reply = []
        elif message == "slow":
            time.sleep(0.5)
        elif message == "agent please":  # what action_request_human answers
            reply = [{"recipient_id": body["sender"], "text": "I'm asking a person from our help desk to join."},
                     {"recipient_id": body["sender"], "custom": {"handoff": {"reason": "asked", "draft": {
                         "dispute_order": "8190334512007781", "item_received": True, "problems": ["damaged"],
                         "asking": "resolution"}}}}]
        elif message.startswith("/back_to_bot"):
            handoff = body.get("metadata", {}).get("handoff") or {}
            reply[0]["text"] = f"back with the assistant; disputes {handoff.get('disputes')}"
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass
