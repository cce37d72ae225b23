"""`make bench`: how fast the assistant answers, on this machine (a benchmark: it
prints numbers and asserts nothing).

It starts the stack (action server, Rasa server, web app) on free ports with a
throw-away data directory, then measures:
- `/model/parse` (NLU alone): median over a set of messages;
- whole registrations through the REST channel (8 turns each, from the greeting to
  the confirmation link) at concurrency 1, 5 and 20: turns per second, median and
  p95 of a turn, and how many conversations reached their confirmation link;
- growth over one long conversation (200 turns of questions inside the form): the
  median turn of the last 20 against the first 20;
- the resident memory of each process after the load.

`--smoke` runs tiny counts (the tests run it); `--rasa-url` measures a stack that
is already running (then memory and `/model/parse` are left out unless
`--token` is given). What issue 10 also asks and this does not do yet: the same
figures for Rasa's starter bot in the same run, and the training time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import string
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.launcher import Stack, free_port, stack_environment

LINK = re.compile(r"/confirmation/[A-Za-z0-9_-]{20,}")
CITIES = ("Cochabamba", "Tarija", "Oruro", "Sucre", "Potosí")
PARSE_TEXTS = ("hello", "no, it's my first time", "I was born on 5 March 1985", "Bolivian",
               "what does 221g mean?", "hola, necesito enviar mis documentos", "sí, está correcto")
QUESTIONS = ("what does 221g mean?", "do I have to pay the fee again?", "what should I take to DHL?",
             "how do I contact the embassy?", "how will my passport come back?")
TIMEOUT = aiohttp.ClientTimeout(total=120)


@dataclass
class Run:
    concurrency: int
    conversations: int
    completed: int
    seconds: float
    turns: list[float]

    def row(self) -> str:
        rate = len(self.turns) / self.seconds if self.seconds else 0.0
        return (f"| {self.concurrency:>11} | {self.completed:>4}/{self.conversations:<4} | {rate:8.1f} "
                f"| {_median_ms(self.turns):8.0f} | {_p95_ms(self.turns):8.0f} |")


def _median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000 if seconds else float("nan")


def _p95_ms(seconds: list[float]) -> float:
    if not seconds:
        return float("nan")
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def _script() -> list[str]:
    passport = "B" + "".join(random.choices(string.digits, k=8))
    born = f"{random.randint(1950, 2000)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"
    return ["hello", "no", passport, born, "Bolivian", "yes", random.choice(CITIES), "yes"]


async def _turn(session: aiohttp.ClientSession, rasa_url: str, sender: str, text: str) -> tuple[float, list]:
    """(seconds, the reply's messages) of one message through the REST channel."""
    start = time.perf_counter()
    async with session.post(f"{rasa_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": text, "metadata": {"language": "en"}}) as answer:
        body = await answer.json(content_type=None)
    return time.perf_counter() - start, body if isinstance(body, list) else []


async def _conversation(session: aiohttp.ClientSession, rasa_url: str, turns: list[float]) -> bool:
    """One registration; True when the last reply holds the confirmation link."""
    sender = "bench-" + uuid.uuid4().hex
    reply = ""
    for text in _script():
        seconds, body = await _turn(session, rasa_url, sender, text)
        turns.append(seconds)
        reply = " ".join(str(message.get("text", "")) for message in body if isinstance(message, dict))
    return bool(LINK.search(reply))




async def growth(rasa_url: str, turns: int) -> tuple[float, float]:
    """Median ms of the first and of the last `window` turns of one long conversation."""
    sender = "bench-long-" + uuid.uuid4().hex
    texts = ["hello", "no"] + [QUESTIONS[index % len(QUESTIONS)] for index in range(turns - 2)]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        times = [(await _turn(session, rasa_url, sender, text))[0] for text in texts]
    window = min(20, turns // 2)
    return _median_ms(times[:window]), _median_ms(times[-window:])


async def load(rasa_url: str, concurrency: int, conversations: int) -> Run:
    """`conversations` registrations, `concurrency` at a time."""
    turns: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession) -> bool:
        async with gate:
            return await _conversation(session, rasa_url, turns)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=TIMEOUT, connector=connector) as session:
        start = time.perf_counter()
        results = await asyncio.gather(*(one(session) for _ in range(conversations)))
        seconds = time.perf_counter() - start
    return Run(concurrency, conversations, sum(results), seconds, turns)


async def parse_median_ms(rasa_url: str, token: str, rounds: int) -> float:
    times = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        for _ in range(rounds):
            for text in PARSE_TEXTS:
                start = time.perf_counter()
                async with session.post(f"{rasa_url}/model/parse", params={"token": token},
                                        json={"text": text}) as answer:
                    await answer.read()
                times.append(time.perf_counter() - start)
    return _median_ms(times)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(
    rasa_url: str, levels: list[tuple[int, int]], token: str | None, parse_rounds: int, long_turns: int
) -> list[Run]:
    if token:
        print(f"/model/parse median: {asyncio.run(parse_median_ms(rasa_url, token, parse_rounds)):.0f} ms\n")
    print("| concurrency | reached   | turns/s  | median ms | p95 ms   |")
    print("| ----------- | --------- | -------- | --------- | -------- |")
    runs = []
    for concurrency, conversations in levels:
        run = asyncio.run(load(rasa_url, concurrency, conversations))
        runs.append(run)
        print(run.row(), flush=True)
    first, last = asyncio.run(growth(rasa_url, long_turns))
    print(f"\ngrowth over a {long_turns}-turn conversation: median {first:.0f} ms (first turns) "
          f"-> {last:.0f} ms (last turns), x{last / first:.2f}")
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts, for the tests")
    parser.add_argument("--rasa-url", help="measure this running Rasa server instead of starting one")
    parser.add_argument("--token", help="its API token (for /model/parse)")
    args = parser.parse_args(argv)
    levels = [(1, 1)] if args.smoke else [(1, 5), (5, 20), (20, 40)]
    parse_rounds = 1 if args.smoke else 10
    long_turns = 10 if args.smoke else 200
    if args.rasa_url:
        report(args.rasa_url.rstrip("/"), levels, args.token, parse_rounds, long_turns)
        return
    token = uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as data_dir:
        ports = {"RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port()}
        stack = Stack(stack_environment(
            {"DATA_DIR": data_dir, "RASA_AUTH_TOKEN": token, **{key: str(value) for key, value in ports.items()}}
        ))
        print("Starting the stack…", flush=True)
        stack.start()
        try:
            report(f"http://127.0.0.1:{ports['RASA_PORT']}", levels, token, parse_rounds, long_turns)
            memory = {name: rss_mib(process.pid) for name, process in stack.processes.items()}
            print("\nmemory (RSS, MiB): " + json.dumps({name: round(value) for name, value in memory.items()}))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
