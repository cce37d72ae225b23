"""Starts the whole assistant: the action server, the Rasa server and the web app.

`make run` calls `python -m bot.launcher`; the end-to-end tests use `Stack` to start
the same three processes on free ports with a throw-away data directory.
The Rasa HTTP API is switched on only when RASA_AUTH_TOKEN is set, and then only
with that token. Each process logs to DATA_DIR/logs/<name>.log. A process that
stops is started again, after a delay that grows while it keeps failing.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.settings import PROJECT_ROOT, Settings, action_server_token, load_settings

MODEL_PATH = PROJECT_ROOT / "models" / "bot.tar.gz"
BIN_DIR = Path(sys.executable).parent
START_TIMEOUT_S = 180.0


class StartError(RuntimeError):
    """A process of the stack exited or did not become ready in time."""


@dataclass(frozen=True)
class Service:
    """One process: its command, the URL that answers once it is ready, and the
    variables it gets on top of the stack's environment."""

    name: str
    argv: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)


def actions_service(name: str, port: int) -> Service:
    python = str(BIN_DIR / "python")
    return Service(
        name,
        [python, "-m", "bot.action_server"],
        f"http://127.0.0.1:{port}/health",
        {"ACTIONS_PORT": str(port)},
    )


def rasa_service(name: str, port: int, env: dict[str, str]) -> Service:
    """A Rasa server; the API token reaches it through the environment, never the
    command line."""
    argv = [
        str(BIN_DIR / "python"),
        "-m",
        "bot.rasa_server",
        "--model",
        str(MODEL_PATH),
        "--port",
        str(port),
        "--interface",
        env.get("RASA_HOST") or "127.0.0.1",
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        "--endpoints",
        str(PROJECT_ROOT / "endpoints.yml"),
    ]
    return Service(name, argv, f"http://127.0.0.1:{port}/webhooks/rest/")


def web_service(name: str, port: int) -> Service:
    return Service(
        name,
        [str(BIN_DIR / "python"), "-m", "bot.web"],
        f"http://127.0.0.1:{port}/health",
        {"WEB_PORT": str(port)},
    )


def services_for(settings: Settings, env: dict[str, str]) -> list[Service]:
    """The three processes, in start order, with the URL that answers once each is ready.

    Each listens on 127.0.0.1 unless ACTIONS_HOST / RASA_HOST / WEB_HOST say otherwise.
    """
    return [
        actions_service("actions", settings.actions_port),
        rasa_service("rasa", settings.rasa_port, env),
        web_service("web", settings.web_port),
    ]


# Ports for our servers are taken below the kernel's ephemeral range. A port that
# bind(0) picks lies inside it, so any outgoing connection another process opens (to
# Redis, PostgreSQL, a peer) may take it before our server binds it: a CI run lost a
# whole cluster start so ("web exited with 1").
_PORT_FLOOR = 20000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nothing uses right now and that no
    outgoing connection will be given (tests, benchmarks)."""
    high = _ephemeral_low()
    if high - _PORT_FLOOR < 10 * count:
        raise RuntimeError(f"too few ports below the ephemeral range (it starts at {high})")
    chosen: list[socket.socket] = []
    try:
        while len(chosen) < count:
            sock = socket.socket()
            try:
                # No SO_REUSEADDR: a port with a connection in TIME_WAIT is skipped too.
                sock.bind(("127.0.0.1", random.randrange(_PORT_FLOOR, high)))
            except OSError:
                sock.close()
                continue
            # Held open until all are chosen, so that no port is given twice.
            chosen.append(sock)
        return [sock.getsockname()[1] for sock in chosen]
    finally:
        for sock in chosen:
            sock.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing uses right now (tests, benchmarks)."""
    return free_ports(1)[0]


def stop_process(process: subprocess.Popen) -> None:
    """Asks `process` to stop, and kills it after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def is_ready(url: str) -> bool:
    """Whether `url` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Stack:
    """The running processes of one assistant instance."""

    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # The processes to run (default: services_for, the three of `make run`).
    plan: Callable[[Settings, dict[str, str]], list[Service]] | None = None

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    def services(self, settings: Settings) -> list[Service]:
        return (self.plan or services_for)(settings, self.env)

    def start(self, only: tuple[str, ...] | None = None) -> None:
        """Starts the processes (all of them, or those named in `only`) at once, and
        returns when every one is ready."""
        settings = self.settings
        log_dir = settings.data_dir / "logs"
        starting = [service for service in self.services(settings) if only is None or service.name in only]
        for service in starting:
            self._spawn(service, log_dir)
        for service in starting:
            self._wait_ready(service)

    def _spawn(self, service: Service, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / f"{service.name}.log", "ab") as log:
            self.processes[service.name] = subprocess.Popen(
                service.argv,
                env={**self.env, **service.env},
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def supervise(self, backoff: Backoff, poll_s: float = 1.0) -> None:
        """Restarts any process that stops, until interrupted."""
        while True:
            time.sleep(poll_s)
            self.restart_stopped(backoff)

    def restart_stopped(self, backoff: Backoff, sleep: Callable[[float], None] = time.sleep) -> list[str]:
        """Starts again every process that has exited, each after its back-off delay;
        returns their names."""
        restarted = []
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                backoff.running(name)
                continue
            delay = backoff.next_delay(name)
            print(
                f"{name} stopped (exit {process.returncode}); restarting in {delay:.0f}s.",
                file=sys.stderr,
                flush=True,
            )
            sleep(delay)
            # Read only when one stopped: this runs every second.
            settings = self.settings
            service = next(s for s in self.services(settings) if s.name == name)
            self._spawn(service, settings.data_dir / "logs")
            restarted.append(name)
        return restarted

    def _wait_ready(self, service: Service) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        process = self.processes[service.name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StartError(
                    f"{service.name} exited with {process.returncode}; the end of its log:\n"
                    + self.log_tail(service.name)
                )
            if is_ready(service.ready_url):
                return
            time.sleep(0.5)
        raise StartError(f"{service.name} was not ready after {START_TIMEOUT_S:.0f}s")

    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last lines of a process's log (the logs hold no personal data)."""
        try:
            text = (self.settings.data_dir / "logs" / f"{name}.log").read_text(errors="replace")
        except OSError as error:
            return f"(no log: {type(error).__name__})"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, only: tuple[str, ...] | None = None) -> None:
        for name, process in list(self.processes.items()):
            if only is not None and name not in only:
                continue
            stop_process(process)
            del self.processes[name]


@dataclass
class Backoff:
    """Delays before restarting a process: `first_s`, doubled after every crash up to
    `max_s`, and back to `first_s` once it has run for `reset_after_s`."""

    first_s: float = 1.0
    max_s: float = 60.0
    reset_after_s: float = 120.0
    clock: Callable[[], float] = time.monotonic
    _delays: dict[str, float] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)

    def next_delay(self, name: str) -> float:
        delay = self._delays.get(name, self.first_s)
        self._delays[name] = min(delay * 2, self.max_s)
        self._started[name] = self.clock() + delay
        return delay

    def running(self, name: str) -> None:
        started = self._started.get(name)
        if started is not None and self.clock() - started >= self.reset_after_s:
            self._delays.pop(name, None)
            self._started.pop(name, None)


def stack_environment(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the three processes: ours plus quiet, offline defaults."""
    env = {**os.environ, **(overrides or {})}
    settings = load_settings(env)
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{settings.actions_port}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{settings.rasa_port}")
    # endpoints.yml sends it to the action server, which answers nothing else.
    env["ACTION_SERVER_TOKEN"] = action_server_token(settings.secret_key)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    return env


def serve(stack: Stack, starting: str, addresses: Callable[[Settings], str]) -> None:
    """Starts `stack`, prints where to reach it, and keeps it running (restarting a
    process that stops) until Ctrl+C or SIGTERM."""
    settings = stack.settings
    print(starting, flush=True)
    try:
        stack.start()
    except StartError as error:
        stack.stop()
        sys.exit(f"Could not start: {error} (logs in {settings.data_dir / 'logs'})")
    print(
        f"\n{addresses(settings)}Logs:           {settings.data_dir / 'logs'}\nPress Ctrl+C to stop.",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.supervise(Backoff())
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


def main() -> None:
    if not MODEL_PATH.exists():
        sys.exit("No trained model: run `make run` (it trains first).")
    stack = Stack(stack_environment())

    def addresses(settings: Settings) -> str:
        api = (
            f"http://127.0.0.1:{settings.rasa_port} (token from RASA_AUTH_TOKEN)"
            if stack.env.get("RASA_AUTH_TOKEN")
            else "disabled (set RASA_AUTH_TOKEN to enable it)"
        )
        return (
            f"Chat (English): {settings.public_url}/\n"
            f"Chat (español): {settings.public_url}/es/\n"
            f"REST channel:   http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook\n"
            f"Rasa HTTP API:  {api}\n"
        )

    serve(stack, "Starting the action server, the Rasa server and the web app…", addresses)


if __name__ == "__main__":
    main()
