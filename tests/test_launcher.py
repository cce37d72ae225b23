"""The launcher: what each process is started with, and restarts with back-off."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot import launcher
from bot.core.settings import action_server_token, load_settings
from bot.launcher import Backoff, Service, Stack, services_for, stack_environment
from bot.rasa_server import MAX_BODY_BYTES, rasa_argv, set_defaults


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return stack_environment({"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "k" * 64, **extra})


def test_no_process_gets_the_api_token_on_its_command_line(tmp_path: Path) -> None:
    env = _env(tmp_path, RASA_AUTH_TOKEN="very-secret-token")
    for service in services_for(load_settings(env), env):
        assert not any("very-secret-token" in argument for argument in service.argv), service.name


def test_rasa_gets_the_token_inside_its_process() -> None:
    argv = rasa_argv(["--port", "5005"], {"RASA_AUTH_TOKEN": "tok"})
    assert argv[:2] == ["rasa", "run"] and argv[-3:] == ["--enable-api", "--auth-token", "tok"]
    assert "--enable-api" not in rasa_argv([], {})


def test_every_process_listens_on_loopback_by_default(tmp_path: Path) -> None:
    env = _env(tmp_path)
    rasa = next(s for s in services_for(load_settings(env), env) if s.name == "rasa")
    assert rasa.argv[rasa.argv.index("--interface") + 1] == "127.0.0.1"


def test_the_action_server_token_comes_from_the_secret(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert env["ACTION_SERVER_TOKEN"] == action_server_token(b"k" * 64)
    assert env["ACTION_SERVER_TOKEN"] != action_server_token(b"x" * 64)
    assert "k" * 16 not in env["ACTION_SERVER_TOKEN"]


def test_backoff_grows_up_to_its_limit_and_resets_after_a_good_run() -> None:
    now = [0.0]
    backoff = Backoff(first_s=1, max_s=8, reset_after_s=60, clock=lambda: now[0])
    assert [backoff.next_delay("rasa") for _ in range(5)] == [1, 2, 4, 8, 8]
    assert backoff.next_delay("web") == 1  # each process has its own
    now[0] += 30
    backoff.running("rasa")
    assert backoff.next_delay("rasa") == 8  # not long enough
    now[0] += 100
    backoff.running("rasa")
    assert backoff.next_delay("rasa") == 1


def test_a_stopped_process_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeper = Service("web", [sys.executable, "-c", "import time; time.sleep(30)"], "http://unused")
    monkeypatch.setattr(launcher, "services_for", lambda settings, env: [sleeper])
    stack = Stack(_env(tmp_path))
    stack.processes["web"] = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    stack.processes["web"].wait()
    delays: list[float] = []
    try:
        assert stack.restart_stopped(Backoff(), sleep=delays.append) == ["web"]
        assert stack.processes["web"].poll() is None
        assert delays == [1.0]
        assert stack.restart_stopped(Backoff(), sleep=delays.append) == []  # running: left alone
    finally:
        stack.stop()


def test_rasa_gets_one_blas_thread_and_the_body_cap_unless_told_otherwise() -> None:
    env: dict[str, str] = {}
    set_defaults(env)
    assert env == {"SANIC_REQUEST_MAX_SIZE": str(MAX_BODY_BYTES), "OPENBLAS_NUM_THREADS": "1"}
    chosen = {"SANIC_REQUEST_MAX_SIZE": "2048", "OPENBLAS_NUM_THREADS": "2"}
    set_defaults(chosen)
    assert chosen == {"SANIC_REQUEST_MAX_SIZE": "2048", "OPENBLAS_NUM_THREADS": "2"}


def test_free_ports_are_distinct_unused_and_below_the_ephemeral_range() -> None:
    ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = launcher.free_ports(40)
    assert len(set(ports)) == 40
    assert all(1024 < port < ephemeral_low for port in ports)
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        picks = itertools.chain([port, port], itertools.count(20000))
        monkeypatch.setattr(launcher.random, "randrange", lambda low, high: next(picks))
        assert port not in launcher.free_ports(3)


def test_a_process_that_exits_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    env = _env(tmp_path)
    failing = Service(
        "failing",
        [sys.executable, "-c", "print('listening failed: address in use'); raise SystemExit(1)"],
        "http://127.0.0.1:9/health",
    )
    stack = Stack(env, plan=lambda settings, env: [failing])
    with pytest.raises(launcher.StartError, match="(?s)exited with 1.*listening failed: address in use"):
        stack.start()
