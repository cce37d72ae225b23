"""The cluster through nginx (bot/cluster.py): conversations shared by two Rasa
servers under round-robin, a server killed under load, and a restart of everything
in the middle of a conversation.

Each conversation is a new applicant from the greeting to the confirmation link,
in English or Spanish. A client retries a failed request once, with the same
message_id (as a messaging platform re-delivers a webhook): the REST channel then
answers with the replies already stored, if the first attempt got that far. Afterwards every conversation's events are read
back from a Rasa server: each message once, in order, and each reply once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import sqlalchemy as sa

from bot.core.i18n import t
from tests.cluster.conftest import AUTH_TOKEN, Cluster
from tests.e2e.support import new_passport

LINK = re.compile(r"http://127\.0\.0\.1:\d+/confirmation/[A-Za-z0-9_-]{43}")
TIMEOUT = aiohttp.ClientTimeout(total=120)


def script(language: str, passport: str) -> list[tuple[str, str]]:
    """(message, a phrase its reply must hold) from the greeting to the confirmation."""
    if language == "es":
        return [
            ("hola", t("registered.ask", "es")),
            ("primera vez", t("passport.ask", "es")),
            (f"{passport}, 15 de mayo de 1990, boliviana", t("summary.ask", "es")),
            ("sí", t("location.ask", "es")),
            ("Tarija", "Tarija"),
            ("sí", "/confirmation/"),
        ]
    return [
        ("hello", t("registered.ask", "en")),
        ("first time", t("passport.ask", "en")),
        (f"{passport}, 23 July 1990, peruvian", t("summary.ask", "en")),
        ("yes", t("location.ask", "en")),
        ("Cochabamba", "Cochabamba"),
        ("yes", "/confirmation/"),
    ]


@dataclass
class Conversation:
    language: str
    sender: str = field(default_factory=lambda: "cluster-" + uuid.uuid4().hex)
    passport: str = field(default_factory=new_passport)
    sent: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    servers: list[str] = field(default_factory=list)
    retries: int = 0

    @property
    def confirmation(self) -> str | None:
        found = LINK.search(self.replies[-1]) if self.replies else None
        return found.group(0) if found else None


async def say(session: aiohttp.ClientSession, cluster: Cluster, chat: Conversation, text: str) -> str:
    """One message through nginx, retried once (with the same message_id) if it
    fails; the reply's text."""
    body = {
        "sender": chat.sender,
        "message": text,
        "message_id": uuid.uuid4().hex,
        "metadata": {"language": chat.language},
    }
    for attempt in (1, 2):
        try:
            async with session.post(f"{cluster.url}/webhooks/rest/webhook", json=body) as response:
                if response.status == 200:
                    messages = await response.json()
                    chat.servers.append(response.headers.get("X-Upstream", ""))
                    break
                failure = f"status {response.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            failure = type(error).__name__
        if attempt == 2:
            raise AssertionError(f"{chat.sender}: {text!r} failed twice ({failure})")
        chat.retries += 1
    chat.sent.append(text)
    reply = "\n".join(message["text"] for message in messages if message.get("text"))
    chat.replies.append(reply)
    return reply


async def converse(
    session: aiohttp.ClientSession, cluster: Cluster, chat: Conversation, steps: list[tuple[str, str]]
) -> None:
    for text, expected in steps:
        reply = await say(session, cluster, chat, text)
        assert expected in reply, f"{chat.sender} ({chat.language}) said {text!r}, got:\n{reply}"


async def run_all(cluster: Cluster, chats: list[Conversation], during: Any = None) -> None:
    """Every conversation to its confirmation at once; `during` (a coroutine) runs beside."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        work = [converse(session, cluster, chat, script(chat.language, chat.passport)) for chat in chats]
        await asyncio.gather(*work, *([during] if during else []))


def tracker(cluster: Cluster, sender: str, port: int) -> dict[str, Any]:
    async def fetch() -> dict[str, Any]:
        url = f"http://127.0.0.1:{port}/conversations/{sender}/tracker?token={AUTH_TOKEN}"
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    return asyncio.run(fetch())


def assert_events_match(cluster: Cluster, chat: Conversation) -> None:
    """The stored conversation holds each message once, in order, and each reply once."""
    events = tracker(cluster, chat.sender, cluster.ports.rasa[-1])["events"]
    said = [event["text"] for event in events if event["event"] == "user"]
    answered = "\n".join(event["text"] for event in events if event["event"] == "bot" and event.get("text"))
    assert said == chat.sent, f"{chat.sender}: stored {said}, sent {chat.sent}"
    assert answered == "\n".join(chat.replies), f"{chat.sender}: the stored replies differ"


def registrations(cluster: Cluster) -> list[tuple[int, int]]:
    """(registration id, number of confirmations) of every registration."""
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT r.id, COUNT(c.id) FROM registrations r "
                    "LEFT JOIN confirmations c ON c.registration_id = r.id GROUP BY r.id"
                )
            )
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def conversations(count: int) -> list[Conversation]:
    return [Conversation("es" if number % 2 else "en") for number in range(count)]


def test_forty_conversations_at_once_over_two_servers(cluster: Cluster) -> None:
    before = len(registrations(cluster))
    chats = conversations(40)

    asyncio.run(run_all(cluster, chats))

    assert all(chat.confirmation for chat in chats)
    assert sum(chat.retries for chat in chats) == 0
    for chat in chats:
        assert_events_match(cluster, chat)
    # Round-robin: conversations had their turns answered by both servers.
    servers = {server for chat in chats for server in chat.servers}
    assert len(servers) == 2, servers
    assert sum(len(set(chat.servers)) == 2 for chat in chats) >= 30
    # One registration and one confirmation per conversation.
    assert len(registrations(cluster)) - before == 40
    assert all(count == 1 for _, count in registrations(cluster))


def test_a_rasa_server_killed_under_load(cluster: Cluster) -> None:
    before = len(registrations(cluster))
    chats = conversations(20)
    victim = cluster.stack.processes["rasa-1"]

    async def kill_midway() -> None:
        while sum(len(chat.sent) for chat in chats) < 40:
            await asyncio.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)

    try:
        asyncio.run(run_all(cluster, chats, during=kill_midway()))
        assert victim.wait(timeout=5) == -signal.SIGKILL
    finally:
        cluster.stack.stop(only=("rasa-1",))
        cluster.stack.start(only=("rasa-1",))

    assert all(chat.confirmation for chat in chats)
    for chat in chats:
        assert_events_match(cluster, chat)
    assert len(registrations(cluster)) - before == 20
    assert all(count == 1 for _, count in registrations(cluster))


def test_the_whole_cluster_restarted_mid_conversation(cluster: Cluster) -> None:
    chat = Conversation("es")
    steps = script("es", chat.passport)

    async def part(selected: list[tuple[str, str]]) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            await converse(session, cluster, chat, selected)

    asyncio.run(part(steps[:3]))  # the summary is shown
    cluster.stack.stop()
    cluster.stack.start()
    asyncio.run(part(steps[3:]))

    assert chat.confirmation
    assert_events_match(cluster, chat)
