"""The action server: Rasa SDK's app for bot.actions, closed to everyone but our Rasa server.

`python -m bot.action_server` (the launcher starts it) differs from `python -m rasa_sdk`:
- it listens on ACTIONS_HOST (default 127.0.0.1), not on every interface;
- every request but /health must carry `X-Action-Token`, a key derived from
  BOT_SECRET_KEY that our Rasa server sends (endpoints.yml); others get 401;
- an action that fails answers a bare 500: Rasa SDK's own handler sends the whole
  request (the tracker, with passport numbers and dates of birth) back, and Rasa
  then writes it to its log;
- no CORS headers (no browser ever calls it), and the body size is capped.
"""

from __future__ import annotations

import hmac
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.log_privacy import install_redaction
from bot.core.settings import action_server_token, load_settings

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
# A tracker of a long conversation is tens of KiB; nothing legitimate comes near this.
MAX_BODY_BYTES = 2 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


def create_action_app(token: str, actions_package: str = "bot.actions") -> Sanic:
    """Rasa SDK's app with the token check and a 500 answer that echoes nothing."""
    app = create_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    expected = token.encode()

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get(TOKEN_HEADER) or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorised"}, status=401)
        return None

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if isinstance(status, int) and 400 <= status < 500:
            return response.json({"error": type(exception).__name__}, status=status)
        # Only the type: messages and tracebacks of our actions may quote what was typed.
        logger.error("An action failed: %s", type(exception).__name__)
        return response.json({"error": "internal error"}, status=500)

    app.error_handler.add(Exception, failed)
    return app


def main() -> None:
    install_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    app = create_action_app(action_server_token(settings.secret_key))
    app.run(
        host=os.environ.get("ACTIONS_HOST", "127.0.0.1"),
        port=settings.actions_port,
        workers=1,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
