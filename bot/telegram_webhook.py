"""Registers, shows or removes the Telegram webhook (`make telegram-webhook`).

    python -m bot.telegram_webhook [set|info|delete]

A small command-line tool on urllib (it imports neither the channels nor Rasa); the
bot token is never printed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

# The same as the channel's (bot.channels.telegram), which this tool does not import.
DEFAULT_API_BASE = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhooks/telegram/webhook"
# Telegram's rule for secret_token.
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TIMEOUT_S = 30


class SetupError(Exception):
    """The environment does not allow the command to run."""


NEEDED = {
    "TELEGRAM_BOT_TOKEN": "the token BotFather gave you",
    "TELEGRAM_SECRET_TOKEN": "a secret you choose: letters, digits, _ and -",
    "TELEGRAM_WEBHOOK_URL": f"the public HTTPS address of {WEBHOOK_PATH}",
}


def _required(env: Mapping[str, str], *names: str) -> list[str]:
    """The values of `names`; a SetupError naming every one that is not set."""
    missing = [name for name in names if not env.get(name, "").strip()]
    if missing:
        raise SetupError(
            "these environment variables are not set: "
            + "; ".join(f"{name} ({NEEDED[name]})" for name in missing)
            + "."
        )
    return [env[name].strip() for name in names]


def call(env: Mapping[str, str], method: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One Bot API call; Telegram's JSON answer, also for its 4xx answers."""
    (token,) = _required(env, "TELEGRAM_BOT_TOKEN")
    base = (env.get("TELEGRAM_API_BASE") or DEFAULT_API_BASE).strip().rstrip("/")
    request = urllib.request.Request(
        f"{base}/bot{token}/{method}",
        data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            return json.loads(error.read())
        except ValueError:
            return {"ok": False, "description": f"HTTP {error.code}"}
    except (urllib.error.URLError, OSError, ValueError) as error:
        # The exception text may contain the URL, which contains the token.
        raise SetupError(f"could not reach the Bot API ({type(error).__name__}).") from None


def set_webhook(env: Mapping[str, str]) -> dict[str, Any]:
    """setWebhook with TELEGRAM_WEBHOOK_URL, the secret TELEGRAM_SECRET_TOKEN (Telegram
    then sends it in every webhook request) and only the update types the channel handles."""
    _, secret, url = _required(env, *NEEDED)
    if not url.startswith("https://"):
        raise SetupError(
            "TELEGRAM_WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)."
        )
    if not url.rstrip("/").endswith(WEBHOOK_PATH):
        raise SetupError(f"TELEGRAM_WEBHOOK_URL must end with {WEBHOOK_PATH}.")
    if not SECRET_FORMAT.match(secret):
        raise SetupError("TELEGRAM_SECRET_TOKEN may only hold 1 to 256 letters, digits, _ and -.")
    return call(env, "setWebhook", {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES})


COMMANDS = {
    "set": set_webhook,
    "info": lambda env: call(env, "getWebhookInfo", {}),
    "delete": lambda env: call(env, "deleteWebhook", {}),
}


def main(argv: list[str], env: Mapping[str, str]) -> int:
    command = argv[0] if argv else "set"
    if command not in COMMANDS or len(argv) > 1:
        print(f"usage: python -m bot.telegram_webhook [{'|'.join(COMMANDS)}]", file=sys.stderr)
        return 2
    try:
        answer = COMMANDS[command](env)
    except SetupError as error:
        print(f"telegram-webhook {command}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    if not answer.get("ok"):
        print(f"Telegram refused: {answer.get('description', 'no reason given')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
