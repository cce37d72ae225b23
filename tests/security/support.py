"""What the security tests share: the listening addresses of a port, calls to the
action server as an outsider would make them, and reading the stack's logs."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from bot.core.settings import action_server_token
from bot.launcher import Stack
from tests.e2e.support import http


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port is listening on (from `ss`)."""
    listing = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    addresses = set()
    for line in listing.splitlines():
        local = line.split()[3]
        address, _, listening_port = local.rpartition(":")
        if listening_port == str(port):
            addresses.add(address.strip("[]"))
    return addresses


def action_call(
    action: str, slots: dict[str, Any], sender: str = "attacker", **tracker: Any
) -> dict[str, Any]:
    """A request body of the kind Rasa sends the action server."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
            **tracker,
        },
    }


def post_action(stack: Stack, body: Any, token: str | None = "right") -> tuple[int, bytes]:
    headers = {}
    if token == "right":
        headers["X-Action-Token"] = action_server_token(stack.settings.secret_key)
    elif token is not None:
        headers["X-Action-Token"] = token
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer, _ = http("POST", f"http://127.0.0.1:{stack.settings.actions_port}/webhook", raw, headers)
    return status, answer


def log_text(stack: Stack, process: str = "*") -> str:
    """Everything the three processes (or the one named) have logged so far."""
    logs = Path(stack.settings.data_dir) / "logs"
    return "\n".join(path.read_text(errors="replace") for path in sorted(logs.glob(f"{process}.log")))


def count(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text))
