"""Rasa's starter bot (the moodbot that `rasa init` creates), as scripts/bench.py
drives it beside this project: its conversation and its server.

Its conversation is the sad path of its stories, then a goodbye: "hi" (it asks how
you are), "I am sad" (a picture, "Did that help you?"), "yes" ("Great, carry on!"),
"great" (the same), "bye" ("Bye"); it reached its end when the last reply is "Bye".
Its server is `rasa run` of this venv with the API on, on 127.0.0.1 and a free
port, in the bot's directory, logging to rasa.log there.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.launcher import BIN_DIR, free_port, is_ready, stop_process

RASA = BIN_DIR / "rasa"
SCRIPT = ("hi", "I am sad", "yes", "great", "bye")
GOODBYE = "Bye"
READY_TIMEOUT_S = 180.0


def script() -> list[str]:
    """The messages of one whole conversation."""
    return list(SCRIPT)


def reached_end(reply: str) -> bool:
    """Whether the last reply's text is the moodbot's goodbye."""
    return reply.strip() == GOODBYE


def long_texts(turns: int) -> list[str]:
    """`turns` messages of one long conversation: the script over and over."""
    return [SCRIPT[index % len(SCRIPT)] for index in range(turns)]


def model(directory: Path) -> Path:
    """The model that `rasa init` trained in `directory`."""
    return next((directory / "models").glob("*.tar.gz"))


def _wait_ready(status_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the starter bot exited with {process.returncode}; see its rasa.log")
        if is_ready(status_url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the starter bot was not ready after {READY_TIMEOUT_S:.0f}s; see its rasa.log")


@contextmanager
def serving(directory: Path, token: str) -> Iterator[tuple[str, int]]:
    """Runs the bot of `directory` until the block ends; yields (its URL, its pid)
    once `/status` answers, that is once its model is loaded."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        str(RASA),
        "run",
        "--enable-api",
        "--auth-token",
        token,
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model(directory)),
    ]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    with open(directory / "rasa.log", "ab") as log:
        process = subprocess.Popen(argv, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(f"{url}/status?token={token}", process)
        yield url, process.pid
    finally:
        stop_process(process)
