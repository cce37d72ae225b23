"""A bounded fuzz smoke of everything the running stack exposes: the REST, WhatsApp and
Telegram webhooks on the Rasa port and the web app. A few hundred generated requests
per channel, from a fixed seed (FUZZ_SEED overrides it; every assertion message names
the seed and the case), must never get a 5xx, forged webhook requests must never be
accepted, and the assistant must still answer a normal message afterwards."""

from __future__ import annotations

import json
import os
import random
import string
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from bot.channels.telegram import SECRET_HEADER
from bot.channels.whatsapp import twilio_signature
from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import AUTH_TOKEN, Chat, expect, http
from tests.fakes import telegram as fake
from tests.fakes.recorder import RecordingServer
from tests.fakes.whatsapp import TWILIO_AUTH_TOKEN, incoming_form, webhook_url

SEED = int(os.environ.get("FUZZ_SEED", "22107"))
RUN = uuid.uuid4().hex[:12]  # fresh sender ids on every run
WORKERS = 4


# Generators of nasty values


def junk_text(rng: random.Random, max_length: int = 10_000) -> str:
    """Text up to `max_length` characters: long, emoji, markup, dates, payloads, controls…"""
    return _junk_text(rng, max_length)[:max_length]


def _junk_text(rng: random.Random, max_length: int) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return ""
    if kind == 1:
        return rng.choice(string.ascii_letters) * rng.randint(min(1_000, max_length), max_length)
    if kind == 2:
        return "".join(rng.choice("🙂👋🇧🇴💥🧨👨‍👩‍👧‍👦") for _ in range(rng.randint(1, 200)))
    if kind == 3:
        return rng.choice(
            [
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "<b>hola</b>",
                "]]><!--",
                "{{7*7}}",
                "${jndi:ldap://x}",
                "'; DROP TABLE registrations; --",
            ]
        )
    if kind == 4:
        return rng.choice(
            [
                "31/02/1990",
                "00/00/0000",
                "99/99/9999",
                "1850-01-01",
                "01/01/2999",
                "32 de marzo de 1985",
                "-1/-1/-1",
                "1990-13-45",
                "29/02/2001",
                "9" * 40,
            ]
        )
    if kind == 5:
        return rng.choice(
            [
                "/greet",
                "/affirm",
                "/deny",
                '/inform{"passport_number": "E12345678"}',
                "/restart",
                "/session_start",
                '/intent{"a": ' * 50,
                "/nlu_fallback{}",
                "/action_listen",
                '/inform{"language": "xx"}',
            ]
        )
    if kind == 6:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 300)))
    if kind == 7:
        return rng.choice(
            ["\x00", "\u202e", "\ufeff", "\u200b" * 50, "\r\n" * 30, "\t \t", "\ud800", "a\udfffb"]
        )
    if kind == 8:
        return rng.choice(
            ["hola", "hello", "no", "sí", "yes", "Bolivia", "La Paz", "E12345678", "change language", "ayuda"]
        )
    if kind == 9:
        return "".join(rng.choices(string.printable, k=rng.randint(1, 2_000)))
    if kind == 10:
        return str(rng.randint(-(10**30), 10**30))
    return " ".join(
        rng.choices(
            ["hola", "quiero", "enviar", "documentos", "pasaporte", "DHL", "221(g)"], k=rng.randint(1, 30)
        )
    )


def junk_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(2**70), 2**70)
    if kind == 3:
        return rng.choice([1e308, -0.0, 3.14159])
    if kind in (4, 5):
        return junk_text(rng, 2_000)
    if kind == 6:
        return [junk_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {junk_text(rng, 30) or "k": junk_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def header_text(rng: random.Random, max_length: int) -> str:
    """Junk that http.client lets through as a header value (no control characters)."""
    allowed = set(string.ascii_letters + string.digits + string.punctuation + " ")
    return "".join(char for char in junk_text(rng, max_length) if char in allowed).strip()


def nested(depth: int, key: str = "a", leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = {key: value}
    return value


def garbage(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"",
            bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2_000))),
            b"{",
            b'{"sender": "a", "message": "b"',
            b"null",
            b"[]",
            b'"just a string"',
            b"\xff\xfe{\x00}\x00",
            b'{"sender": "a", "message": "\\ud800\\u0000"',
            b"{" * 5_000,
            b"sender=a&message=b",
            b"<xml><sender>a</sender></xml>",
        ]
    )


# Every fuzz case: what is sent and what statuses it may get


@dataclass
class Case:
    index: int
    label: str
    send: Callable[[], tuple[int, bytes, dict]]
    allowed: Callable[[int], bool]
    expectation: str


def run_cases(cases: list[Case], channel: str) -> None:
    def send(case: Case) -> tuple[Case, tuple[int, bytes, dict]]:
        try:
            return case, case.send()
        except (
            OSError,
            HTTPException,
        ) as error:  # no HTTP answer at all (reset, timeout): reported as status 0
            return case, (0, repr(error).encode(), {})

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(send, cases))
    failures = [
        f"case {case.index} ({case.label}): got {status}, expected {case.expectation}: {raw[:200]!r}"
        for case, (status, raw, _) in results
        if not case.allowed(status)
    ]
    assert not failures, (
        f"{channel} fuzz, seed {SEED} (FUZZ_SEED={SEED} reproduces it): {len(failures)} of {len(cases)} "
        "requests got an unexpected status:\n" + "\n".join(failures[:25])
    )
    print(f"{channel} fuzz: {len(cases)} requests, seed {SEED}")


def is_4xx(status: int) -> bool:
    return 400 <= status < 500


def not_5xx(status: int) -> bool:
    return 100 <= status < 500


def the_stack_still_answers(stack: Stack) -> None:
    chat = Chat(stack, language="en")
    chat.say("hello")
    assert chat.text != t("system.unavailable", "en")
    expect(chat, "registered.ask", "en")


# REST


def rest_case(rng: random.Random, index: int, post: Callable[[bytes], tuple[int, bytes, dict]]) -> Case:
    """A valid body (200), an invalid one (4xx), or one of unspecified validity (never 5xx)."""
    sender = f"fuzz-rest-{RUN}-{index % 25}"
    kind = rng.randrange(10)
    body: Any
    if kind <= 3:  # valid: a sender, a text, maybe metadata as an object
        body = {"sender": sender, "message": junk_text(rng)}
        if rng.random() < 0.5:
            body["metadata"] = rng.choice(
                [
                    {"language": rng.choice(["es", "en"])},
                    {"language": rng.choice(["es", "en"]), "x": junk_value(rng)},
                    {"deep": nested(rng.randint(50, 300))},
                    {junk_text(rng, 20) or "k": junk_value(rng) for _ in range(rng.randint(0, 8))},
                ]
            )
        return Case(index, "valid", lambda: post(json.dumps(body).encode()), lambda s: s == 200, "200")
    if kind <= 6:  # invalid: a field of the wrong type, an empty sender, not an object, not JSON
        wrong = rng.choice([None, 5, 1.5, True, [], ["a"], {"a": 1}])
        body = rng.choice(
            [
                {"sender": wrong, "message": "hola"},
                {"sender": "", "message": "hola"},
                {"sender": sender, "message": rng.choice([5, 1.5, True, [], ["hola"], {"text": "hola"}])},
                {"sender": sender, "message": "hola", "metadata": rng.choice(["es", 5, ["es"], True])},
                [{"sender": sender, "message": "hola"}],
                rng.choice([5, "hola", None, True]),
            ]
        )
        raw = json.dumps(body).encode()
        if rng.random() < 0.4:
            raw = garbage(rng) or b""
        return Case(index, f"invalid {raw[:60]!r}", lambda: post(raw), is_4xx, "4xx")
    # unspecified: missing fields, extra fields, odd metadata values, broken encodings
    body = {"sender": sender, "message": junk_text(rng), "metadata": {"language": junk_value(rng)}}
    for name in rng.sample(["sender", "message", "metadata"], rng.randint(0, 2)):
        body.pop(name)
    body[junk_text(rng, 20) or "extra"] = junk_value(rng)
    raw = json.dumps(body, ensure_ascii=rng.random() < 0.5, allow_nan=True).encode("utf-8", "surrogatepass")
    return Case(index, "unspecified", lambda: post(raw), not_5xx, "not 5xx")


def test_rest_webhook_fuzz_never_gets_a_5xx(stack: Stack) -> None:
    """Hole: odd JSON shapes, types, sizes and encodings on the REST webhook crash the
    handler (500) instead of being answered 200 (valid) or 4xx (invalid)."""
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook"
    rng = random.Random(SEED)

    def post(raw: bytes) -> tuple[int, bytes, dict]:
        return http("POST", url, raw, {"Content-Type": "application/json"})

    run_cases([rest_case(rng, index, post) for index in range(250)], "REST")
    the_stack_still_answers(stack)


# WhatsApp


def random_form(rng: random.Random, number: str) -> dict[str, str]:
    fields = incoming_form(number, junk_text(rng, 3_000).replace("\x00", "") or None)
    for name in rng.sample(sorted(fields), rng.randint(0, 4)):
        action = rng.randrange(3)
        if action == 0:
            fields.pop(name)
        else:
            fields[name] = junk_text(rng, 500).replace("\x00", "")
    for _ in range(rng.randint(0, 3)):
        fields[junk_text(rng, 20).replace("\x00", "") or "Extra"] = junk_text(rng, 200).replace("\x00", "")

    def clean(text: str) -> str:
        return text.encode("utf-8", "replace").decode()

    return {clean(name): clean(value) for name, value in fields.items()}


def test_whatsapp_webhook_fuzz_accepts_no_forgery_and_never_gets_a_5xx(
    stack: Stack, fake_twilio: RecordingServer
) -> None:
    """Hole: an unsigned or wrongly signed form is processed (or crashes the channel)
    instead of getting 403, and a malformed signed form gets a 5xx instead of 4xx/200."""
    url = webhook_url(stack.settings.rasa_port)
    rng = random.Random(SEED + 1)
    forged_numbers: set[str] = set()
    cases: list[Case] = []

    def post(raw: bytes, headers: dict[str, str]) -> Callable[[], tuple[int, bytes, dict]]:
        return lambda: http("POST", url, raw, headers)

    for index in range(240):
        forged = index % 2 == 0
        number = ("+5916" if forged else "+5917") + "".join(rng.choices(string.digits, k=7))
        fields = random_form(rng, number)
        raw = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if forged:
            forged_numbers.add(f"whatsapp:{number}")
            real = twilio_signature(TWILIO_AUTH_TOKEN, url, fields.items())
            signature = rng.choice(
                [
                    None,
                    "",
                    real[:-2] + ("AA" if not real.endswith("AA") else "BB"),
                    twilio_signature("not-the-token", url, fields.items()),
                    twilio_signature(TWILIO_AUTH_TOKEN, url + "/other", fields.items()),
                    twilio_signature(TWILIO_AUTH_TOKEN, url, {**fields, "Body": "other"}.items()),
                    header_text(rng, 300),
                    real.lower() if real.lower() != real else real.upper(),
                ]
            )
            if signature:
                headers["X-Twilio-Signature"] = signature
            if rng.random() < 0.2:  # not a form at all: refused as malformed or as forged
                cases.append(
                    Case(
                        index,
                        f"forged, not a form, signature {signature!r}",
                        post(garbage(rng), headers),
                        lambda s: s in (400, 403),
                        "400 or 403",
                    )
                )
            else:
                cases.append(
                    Case(
                        index,
                        f"forged, signature {signature!r}",
                        post(raw, headers),
                        lambda s: s == 403,
                        "403",
                    )
                )
        else:  # signed with the right token, but malformed
            if rng.random() < 0.25:
                raw = garbage(rng)
                fields = dict(urllib.parse.parse_qsl(raw.decode("latin-1")))
                headers["Content-Type"] = rng.choice(
                    [
                        "application/x-www-form-urlencoded",
                        "application/json",
                        "text/plain",
                        "multipart/form-data",
                    ]
                )
            headers["X-Twilio-Signature"] = twilio_signature(TWILIO_AUTH_TOKEN, url, fields.items())
            cases.append(
                Case(
                    index,
                    f"signed, fields {sorted(fields)[:6]}",
                    post(raw, headers),
                    lambda s: s == 200 or is_4xx(s),
                    "200 or 4xx",
                )
            )

    run_cases(cases, "WhatsApp")
    accepted = fake_twilio.matching(lambda request: request.body.get("To") in forged_numbers)
    assert accepted == [], f"seed {SEED + 1}: forged requests were answered: {accepted[:3]}"
    the_stack_still_answers(stack)


# Telegram


def random_update(rng: random.Random, chat_id: int) -> Any:
    update: Any = rng.choice(
        [
            fake.text_update(chat_id, junk_text(rng), rng.choice(["es", "en", None, "zz", "es-419"])),
            fake.message_update(
                chat_id, "es", **rng.choice([fake.STICKER, fake.PHOTO, fake.VOICE, fake.DOCUMENT])
            ),
            fake.callback_update(
                chat_id,
                junk_text(rng, 100),
                {"message_id": rng.randint(-5, 10**12), "chat": fake.private_chat(chat_id)},
            ),
            fake.edited_message_update(chat_id, junk_text(rng, 100)),
            fake.channel_post_update(chat_id, junk_text(rng, 100)),
            fake.my_chat_member_update(chat_id),
        ]
    )
    update = json.loads(json.dumps(update))  # a copy: the fake's constants stay intact
    for _ in range(rng.randint(0, 3)):  # break it somewhere
        target = update
        while isinstance(target, dict) and target and rng.random() < 0.6:
            key = rng.choice(sorted(target))
            if not isinstance(target[key], dict):
                break
            target = target[key]
        if isinstance(target, dict) and target:
            key = rng.choice(sorted(target))
            if rng.random() < 0.3:
                target.pop(key)
            else:
                target[key] = junk_value(rng)
    if rng.random() < 0.1:
        update = rng.choice([[update], "update", 42, None, nested(400)])
    return update


def test_telegram_webhook_fuzz_accepts_no_forgery_and_never_gets_a_5xx(
    stack: Stack, fake_telegram: RecordingServer
) -> None:
    """Hole: an update without the secret header or with a wrong one is processed (or
    crashes the channel) instead of getting 403, and a malformed update with the right
    secret gets a 5xx instead of 200/4xx."""
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/telegram/webhook"
    rng = random.Random(SEED + 2)
    forged_chats: set[int] = set()
    cases: list[Case] = []

    def post(body: Any, headers: dict[str, str]) -> Callable[[], tuple[int, bytes, dict]]:
        return lambda: http("POST", url, body, headers)

    for index in range(240):
        forged = index % 2 == 0
        chat_id = rng.randint(10**12, 2 * 10**12) if forged else rng.randint(10**11, 10**12)
        update = random_update(rng, chat_id)
        raw = garbage(rng) if rng.random() < 0.15 else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if forged:
            forged_chats.add(chat_id)
            secret = rng.choice(
                [
                    None,
                    "",
                    fake.SECRET + "x",
                    fake.SECRET[:-1],
                    fake.SECRET.upper(),
                    "Bearer " + fake.SECRET,
                    "x" * 256,
                    header_text(rng, 100),
                ]
            )
            if secret is not None:
                headers[SECRET_HEADER] = secret
            cases.append(Case(index, f"secret {secret!r}", post(raw, headers), lambda s: s == 403, "403"))
        else:
            headers[SECRET_HEADER] = fake.SECRET
            cases.append(
                Case(
                    index,
                    f"right secret, {raw[:80]!r}",
                    post(raw, headers),
                    lambda s: s == 200 or is_4xx(s),
                    "200 or 4xx",
                )
            )

    run_cases(cases, "Telegram")
    reached = [request for request in fake_telegram.requests if request.body.get("chat_id") in forged_chats]
    assert reached == [], f"seed {SEED + 2}: forged updates were answered: {reached[:3]}"
    chat_id = rng.randint(10**8, 10**10)
    before = len(fake_telegram.requests)
    status, raw, _ = http("POST", url, fake.text_update(chat_id, "hola", "es"), {SECRET_HEADER: fake.SECRET})
    assert status == 200, raw
    sent = [
        request.body for request in fake_telegram.requests[before:] if request.body.get("chat_id") == chat_id
    ]
    assert sent and t("system.unavailable", "es") not in sent[0]["text"], sent
    the_stack_still_answers(stack)


# The web app


def random_path(rng: random.Random) -> str:
    token = "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=rng.randint(0, 80)))
    encoded = urllib.parse.quote(junk_text(rng, 300), safe="", errors="surrogatepass")
    query = rng.choice(
        [
            "",
            "?lang=" + urllib.parse.quote(junk_text(rng, 200), safe="", errors="surrogatepass"),
            "?lang=es",
            "?lang=en&lang=es",
            "?lang[]=es",
            "?" + "a=1&" * 500,
            "?%ff%fe",
            "?lang=%00",
            "?=&=&",
            "?" + encoded,
        ]
    )
    path = rng.choice(
        [
            f"/confirmation/{token}",
            f"/confirmation/{token}.pdf",
            f"/confirmation/{encoded}",
            f"/confirmation/{encoded}.pdf",
            f"/static/{token}",
            f"/static/{encoded}",
            "/static/../bot/web/app.py",
            "/../etc/passwd",
            "/static/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/static/%2e%2e/secret.key",
            "/" + "a" * rng.randint(1_000, 20_000),
            "/es/" + token,
            f"/{encoded}",
            "//" + token,
            "/health",
            "/es/",
            "/",
            "/socket.io/",
            "/confirmation/",
            "/confirmation/.pdf",
            "/static/",
            "/static/chat.js",
            f"/confirmation/{'A' * 43}",
            f"/confirmation/{'A' * 43}.pdf",
            "/%",
            "/%zz",
            "/;/",
            "/\\..\\secret.key",
        ]
    )
    return path + query


def test_web_app_fuzz_never_gets_a_5xx(stack: Stack) -> None:
    """Hole: odd paths and query strings on the web app (unknown confirmation links,
    traversal, very long paths, junk in ?lang=) raise inside a handler and get a 500."""
    base = stack.settings.public_url
    rng = random.Random(SEED + 3)
    cases = []
    bodies: list[tuple[str, bytes]] = []
    for index in range(300):
        path = random_path(rng)
        method = rng.choice(["GET"] * 6 + ["HEAD", "POST", "OPTIONS", "PUT", "DELETE"])
        body = garbage(rng) if method in ("POST", "PUT") else None

        def send(
            path: str = path, method: str = method, body: bytes | None = body
        ) -> tuple[int, bytes, dict]:
            status, raw, headers = http(method, base + path, body)
            bodies.append((path, raw))
            return status, raw, headers

        cases.append(Case(index, f"{method} {path[:120]}", send, not_5xx, "not 5xx"))
    run_cases(cases, "web")
    status, raw, _ = http("GET", base + "/es/")
    assert status == 200, raw[:200]
    traversals = [(path, raw) for path, raw in bodies if ".." in path or "%2e" in path.lower()]
    leaks = [path for path, raw in traversals if b"root:x:0:0" in raw or b"import " in raw]
    assert leaks == [], f"seed {SEED + 3}: files outside the app served for {leaks[:5]}"


# Concurrency


def test_ten_simultaneous_messages_for_one_sender_are_all_answered_and_kept(stack: Stack) -> None:
    """Hole: simultaneous messages of one conversation race on the tracker: some get a
    5xx or no reply, or the tracker loses user messages."""
    rasa = f"http://127.0.0.1:{stack.settings.rasa_port}"
    sender = f"fuzz-burst-{uuid.uuid4().hex}"
    texts = [
        f"hola {word}"
        for word in ("uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez")
    ]
    start = threading.Barrier(len(texts), timeout=10)

    def send(text: str) -> tuple[int, bytes, dict]:
        start.wait()
        return http(
            "POST",
            f"{rasa}/webhooks/rest/webhook",
            {"sender": sender, "message": text, "metadata": {"language": "es"}},
        )

    with ThreadPoolExecutor(len(texts)) as pool:
        results = list(pool.map(send, texts))
    for text, (status, raw, _) in zip(texts, results):
        assert status == 200, (text, status, raw[:300])
        replies = json.loads(raw)
        assert replies and any(reply.get("text") for reply in replies), (text, replies)
    status, raw, _ = http("GET", f"{rasa}/conversations/{sender}/tracker?token={AUTH_TOKEN}")
    assert status == 200, raw[:300]
    said = [event.get("text") for event in json.loads(raw)["events"] if event["event"] == "user"]
    assert sorted(said) == sorted(texts), said
