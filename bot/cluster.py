"""Starts the assistant as a small cluster on this machine: `make cluster`.

N Rasa servers (CLUSTER_RASA_SERVERS, default 2) and M action servers
(CLUSTER_ACTION_SERVERS, default 2), the web app, and Debian's nginx in front
(scripts/ensure-nginx.sh installs it). Conversations live in Redis, encrypted
(TRACKER_STORE_URL), one conversation is processed by one server at a time
(LOCK_STORE_URL, also the channels' shared state and the lookup limits), and the
registry is on PostgreSQL (DATABASE_URL); each has a default on this machine's
services.

nginx listens on CLUSTER_PORT (default 8000): `/webhooks/…` (REST, WhatsApp,
Telegram) go round-robin to the Rasa servers, and a server that refuses the
connection is skipped (a request is never sent twice once a server got it); the
rest (chat page, confirmation pages, `/socket.io/`) goes to the web app, whose relay
keeps each chat page on one Rasa server (bot.web.relay). A second nginx port
(CLUSTER_ACTIONS_PORT, default 5200) spreads the Rasa servers' action calls over
the action servers.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot.core.settings import Settings, positive_setting
from bot.launcher import (
    MODEL_PATH,
    Service,
    Stack,
    actions_service,
    free_ports,
    rasa_service,
    serve,
    stack_environment,
    web_service,
)

DEFAULT_TRACKER_STORE_URL = "redis://127.0.0.1:6379/2"
DEFAULT_LOCK_STORE_URL = "redis://127.0.0.1:6379/1"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_DATABASE_URL = f"{POSTGRES_SERVER}/test"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class ClusterPorts:
    """Where each process listens (all on 127.0.0.1)."""

    balancer: int
    actions_balancer: int
    web: int
    rasa: tuple[int, ...]
    actions: tuple[int, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ClusterPorts:
        """CLUSTER_PORT, CLUSTER_ACTIONS_PORT and WEB_PORT; Rasa servers on 5101, 5102, …
        and action servers on 5201, 5202, … unless CLUSTER_RASA_PORTS /
        CLUSTER_ACTIONS_PORTS list them (comma-separated)."""
        rasa_count = positive_setting(env, "CLUSTER_RASA_SERVERS", 2, int)
        actions_count = positive_setting(env, "CLUSTER_ACTION_SERVERS", 2, int)
        return cls(
            balancer=positive_setting(env, "CLUSTER_PORT", 8000, int),
            actions_balancer=positive_setting(env, "CLUSTER_ACTIONS_PORT", 5200, int),
            web=positive_setting(env, "WEB_PORT", 8081, int),
            rasa=_ports(env.get("CLUSTER_RASA_PORTS"), 5101, rasa_count),
            actions=_ports(env.get("CLUSTER_ACTIONS_PORTS"), 5201, actions_count),
        )

    @classmethod
    def free(cls, rasa: int = 2, actions: int = 2) -> ClusterPorts:
        """Ports nothing listens on now (tests, benchmarks)."""
        ports = free_ports(3 + rasa + actions)
        return cls(
            balancer=ports[0],
            actions_balancer=ports[1],
            web=ports[2],
            rasa=tuple(ports[3 : 3 + rasa]),
            actions=tuple(ports[3 + rasa :]),
        )


@contextmanager
def scratch_database(server: str = POSTGRES_SERVER) -> Iterator[str]:
    """The URL of a PostgreSQL database created on `server` for one run (tests,
    benchmarks), dropped afterwards."""
    name = "cluster_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(f"{server}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _ports(listed: str | None, first: int, count: int) -> tuple[int, ...]:
    if listed:
        return tuple(int(port) for port in listed.split(",") if port.strip())
    return tuple(range(first, first + count))


def cluster_environment(ports: ClusterPorts, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every process of the cluster shares."""
    env = stack_environment(dict(overrides or {}))
    env.setdefault("TRACKER_STORE_URL", DEFAULT_TRACKER_STORE_URL)
    env.setdefault("LOCK_STORE_URL", DEFAULT_LOCK_STORE_URL)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{ports.balancer}")
    # One action endpoint for every Rasa server: nginx's, which spreads the calls.
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{ports.actions_balancer}/webhook"
    env["RASA_URLS"] = ",".join(f"http://127.0.0.1:{port}" for port in ports.rasa)
    # Behind nginx every visitor has nginx's address: the relay's per-address limit
    # would be a limit for everyone (bot/web/relay.py).
    env.setdefault("WEB_MAX_SOCKETS_PER_CLIENT", env.get("WEB_MAX_SOCKETS") or "500")
    return env


def nginx_config(ports: ClusterPorts, run_dir: Path, as_root: bool) -> str:
    """nginx's configuration for the cluster, its files under `run_dir`."""

    def servers(port_list: tuple[int, ...]) -> str:
        # A server that refused a connection is left alone for 5 s, then tried again.
        return "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in port_list
        )

    temp = "\n".join(
        f"    {kind}_temp_path {run_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Run by root (this machine's set-up), workers would be `nobody`, who cannot
    # write to the run directory.
    user = "user root;\n" if as_root else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {run_dir / "nginx.pid"};
error_log {run_dir / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    # No access log: webhook paths and socket queries are not personal, but nothing
    # here needs them either.
    access_log off;
{temp}
    client_max_body_size 1m;
    proxy_http_version 1.1;
    proxy_read_timeout 120s;
    # Retried on the next server only when the request never reached one.
    proxy_next_upstream error timeout;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    upstream rasa {{
{servers(ports.rasa)}
    }}
    upstream actions {{
{servers(ports.actions)}
    }}
    upstream web {{
        server 127.0.0.1:{ports.web};
    }}
    server {{
        listen 127.0.0.1:{ports.balancer};
        location /webhooks/ {{
            proxy_pass http://rasa;
            proxy_set_header Connection "";
            # Which Rasa server answered (the cluster tests check the round-robin).
            add_header X-Upstream $upstream_addr always;
        }}
        location /socket.io/ {{
            proxy_pass http://web;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://web;
            proxy_set_header Connection "";
        }}
    }}
    server {{
        listen 127.0.0.1:{ports.actions_balancer};
        location / {{
            proxy_pass http://actions;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def write_nginx_config(ports: ClusterPorts, data_dir: Path) -> Path:
    run_dir = data_dir / "nginx"
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(nginx_config(ports, run_dir, as_root=os.geteuid() == 0))
    return path


def cluster_plan(ports: ClusterPorts) -> Callable[[Settings, dict[str, str]], list[Service]]:
    """The processes of the cluster, for `Stack(plan=…)`."""

    def plan(settings: Settings, env: dict[str, str]) -> list[Service]:
        config = write_nginx_config(ports, settings.data_dir)
        balancer = Service(
            "nginx",
            [NGINX, "-c", str(config), "-p", str(config.parent)],
            f"http://127.0.0.1:{ports.balancer}/health",
        )
        return [
            *(actions_service(f"actions-{index}", port) for index, port in enumerate(ports.actions, 1)),
            *(rasa_service(f"rasa-{index}", port, env) for index, port in enumerate(ports.rasa, 1)),
            web_service("web", ports.web),
            balancer,
        ]

    return plan


def main() -> None:
    if not MODEL_PATH.exists():
        sys.exit("No trained model: run `make cluster` (it trains first).")
    if not shutil.which(NGINX):
        sys.exit(f"nginx is missing at {NGINX}: run scripts/ensure-nginx.sh (make cluster does).")
    ports = ClusterPorts.from_env(os.environ)
    url = f"http://127.0.0.1:{ports.balancer}"
    serve(
        Stack(cluster_environment(ports), plan=cluster_plan(ports)),
        f"Starting {len(ports.rasa)} Rasa servers, {len(ports.actions)} action servers, the web app and nginx…",
        lambda _: (
            f"Chat (English): {url}/\nChat (español): {url}/es/\nREST channel:   {url}/webhooks/rest/webhook\n"
        ),
    )


if __name__ == "__main__":
    main()
