"""The cluster of bot/cluster.py started once for tests/cluster: two Rasa servers,
two action servers, the web app and nginx, on this machine's Redis (a database of
its own, emptied before and after) and PostgreSQL (a database created for the run
and dropped after it)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from bot.cluster import ClusterPorts, cluster_environment, cluster_plan, scratch_database
from bot.launcher import MODEL_PATH, Stack, StartError

AUTH_TOKEN = "cluster-" + uuid.uuid4().hex
# Databases 11 and 12 of the machine's Redis are this test's own (the others are
# left alone): conversations, then locks, channel state and limits.
TRACKER_REDIS = "redis://127.0.0.1:6379/11"
LOCK_REDIS = "redis://127.0.0.1:6379/12"
# A turn whose server died mid-way holds its conversation's lock this long (Rasa's
# TICKET_LOCK_LIFETIME, 60 s by default): short here, so the kill test waits less.
LOCK_LIFETIME_S = "15"


@dataclass(frozen=True)
class Cluster:
    stack: Stack
    ports: ClusterPorts
    database_url: str

    @property
    def url(self) -> str:
        """nginx's address: what every client talks to."""
        return f"http://127.0.0.1:{self.ports.balancer}"


def _flush_redis() -> None:
    for url in (TRACKER_REDIS, LOCK_REDIS):
        redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A PostgreSQL database of this run, dropped at the end."""
    with scratch_database() as url:
        yield url


def _started(data_dir: str, database_url: str) -> tuple[Stack, ClusterPorts]:
    ports = ClusterPorts.free()
    env = cluster_environment(
        ports,
        {
            "DATA_DIR": data_dir,
            "TRACKER_STORE_URL": TRACKER_REDIS,
            "LOCK_STORE_URL": LOCK_REDIS,
            "DATABASE_URL": database_url,
            "RASA_AUTH_TOKEN": AUTH_TOKEN,
            "TICKET_LOCK_LIFETIME": LOCK_LIFETIME_S,
            "BOT_SECRET_KEY": "cluster-test-" + uuid.uuid4().hex,
        },
    )
    stack = Stack(env, plan=cluster_plan(ports))
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    return stack, ports


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Cluster]:
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    _flush_redis()
    try:
        stack, ports = _started(str(tmp_path_factory.mktemp("cluster")), database_url)
    except StartError as error:
        # Seven processes start at once on a shared machine: one start that fails (a
        # CI run once lost one: "web exited with 1") is reported, with the end of the
        # process's log, and tried once more on new ports; a second failure fails.
        warnings.warn(f"the cluster did not start, trying once more: {error}", stacklevel=1)
        _flush_redis()
        stack, ports = _started(str(tmp_path_factory.mktemp("cluster")), database_url)
    try:
        yield Cluster(stack, ports, database_url)
    finally:
        stack.stop()
        _flush_redis()
