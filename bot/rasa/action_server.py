"""The action server: rasa-sdk's app on loopback, answering only Rasa (which sends the internal token).

    python -m bot.rasa.action_server [--port 5055]

ACTION_SERVER_WORKERS sets its number of Sanic worker processes (default 1).
"""
from __future__ import annotations

import argparse
import hmac
import logging

from bot.composition import signing_secret
from bot.gc_tuning import freeze_long_lived_objects
from bot.settings import Settings
from bot.tokens import ACTION_SERVER_TOKEN, internal_token


def create_action_app(settings: Settings):
    from rasa_sdk.endpoint import create_app

    token = internal_token(signing_secret(settings), ACTION_SERVER_TOKEN)
    app = create_app("actions", cors_origins=None)

    @app.listener("after_server_start")
    async def warm_up(_app, _loop):
        # In each worker, after any fork: the item-matching encoder (about 140 MB) loaded and run once before the
        # first buyer needs it. The health check is answered once this is done (same event loop).
        from bot.nlu.item_meaning import preload

        try:
            preload()
        except Exception:  # a cold encoder is slower, not wrong: it loads on first use instead
            logging.getLogger(__name__).exception("could not load the item-matching encoder at start-up")

    @app.middleware("request")
    async def require_token(request):
        if request.path == "/health":
            return None
        # In the Authorization header only: a token in the query string would end up in logs.
        if not hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
            from sanic import response

            return response.json({"error": "unauthorized"}, status=401)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the dispute assistant's action server.")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    settings = Settings.from_env()
    port = args.port or int(settings.action_server_url.rsplit(":", 1)[-1].split("/")[0])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Several Sanic workers share the port (forked after the actions are loaded; each builds its own database
    # engine on first use, see actions/common.py).
    app = create_action_app(settings)
    freeze_long_lived_objects()
    app.run("127.0.0.1", port, workers=settings.action_server_workers, access_log=False)


if __name__ == "__main__":
    main()
