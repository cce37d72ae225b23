"""The image's HEALTHCHECK: asks the health route of the process this container runs.

The role is BOT_ROLE (rasa, actions or web) when set, else read from the command of
process 1 (`python -m bot.rasa_server …`: the entrypoint execs it). Exits 0 when the
route answers 200 within 4 s, 1 otherwise. Standard library only (the image has no curl).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

# role: (module, port variable, default port, route)
ROUTES = {
    "rasa": ("bot.rasa_server", "RASA_PORT", 5005, "/webhooks/rest/"),
    "actions": ("bot.action_server", "ACTIONS_PORT", 5055, "/health"),
    "web": ("bot.web", "WEB_PORT", 8080, "/health"),
}


def role_of(cmdline: list[str]) -> str | None:
    """The role whose module `cmdline` runs (`-m <module>`), or None."""
    for role, (module, _, _, _) in ROUTES.items():
        if module in cmdline:
            return role
    return None


def current_role(env: dict[str, str] | os._Environ[str]) -> str | None:
    role = env.get("BOT_ROLE")
    if role:
        return role if role in ROUTES else None
    try:
        cmdline = Path("/proc/1/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    return role_of(cmdline)


def healthy(url: str, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    role = current_role(os.environ)
    if role is None:
        print("healthcheck: not one of the assistant's processes (set BOT_ROLE)", file=sys.stderr)
        return 1
    _, port_variable, default_port, route = ROUTES[role]
    port = os.environ.get(port_variable) or str(default_port)
    url = f"http://127.0.0.1:{port}{route}"
    if healthy(url):
        return 0
    print(f"healthcheck: {url} did not answer 200", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
