"""The chat page in a real browser: tests/browser/chat.mjs drives Debian's headless
Chromium through Playwright over the running assistant (socket.io through the web
app's relay) and reports what it saw; these tests check it.

Covered: a whole registration to the confirmation link in each language, with the
mouse and with the keyboard only; a reload in the middle; axe-core with buttons on
screen; lang attributes, also after a language switch; the page at 320 px and at
200 % zoom; what the page says while Rasa cannot be reached.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import unused_port

from bot.core.i18n import t
from bot.core.settings import PROJECT_ROOT
from bot.launcher import Stack, stack_environment
from tests.e2e.support import http, new_passport

SCRIPT = PROJECT_ROOT / "tests" / "browser" / "chat.mjs"
CHROMIUM = Path("/usr/bin/chromium")
AXE_RESULTS = PROJECT_ROOT / "results" / "browser"  # the axe reports, for the record
CONVERSATION = {
    # language: (greeting, unambiguous date of birth, nationality, city)
    "en": ("hello", "25/12/1990", "Bolivia", "Tarija"),
    "es": ("hola", "5 de marzo de 1985", "boliviana", "Potosí"),
}


def first_line(key: str, language: str, **params: str) -> str:
    return t(key, language, **params).split("\n")[0]


def page_url(base: str, language: str) -> str:
    return base + ("/es/" if language == "es" else "/")


def run_browser(url: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Runs chat.mjs on the page at `url`; its JSON report."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the browser tests need Node.js")
    completed = subprocess.run(
        [node, str(SCRIPT), url, json.dumps(plan)],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert completed.stdout, completed.stderr
    report = json.loads(completed.stdout)
    assert completed.returncode == 0, report.get("error") or completed.stderr
    return report


def registration(language: str, passport: str, reload_and_axe: bool) -> list[dict[str, str]]:
    """The steps of a new applicant from the greeting to the confirmation link."""
    greeting, date, nationality, city = CONVERSATION[language]
    return [
        {"say": greeting, "expect": t("registered.ask", language)},
        *([{"axe": True}] if reload_and_axe else []),
        {"press": t("registered.no", language), "expect": t("passport.ask", language)},
        {"say": passport, "expect": t("dob.ask", language)},
        *([{"reload": True}] if reload_and_axe else []),
        {"say": date, "expect": t("nationality.ask", language)},
        {"say": nationality, "expect": t("summary.ask", language)},
        {"press": t("summary.yes", language), "expect": first_line("location.ask", language)},
        {"press": city, "expect": first_line("location.confirm", language, office="")},
        {"press": t("location.yes", language), "expect": "/confirmation/"},
    ]


@pytest.mark.parametrize("keyboard", [False, True], ids=["pointer", "keyboard-only"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_whole_registration_on_the_chat_page(stack: Stack, language: str, keyboard: bool) -> None:
    passport = new_passport()
    pointer = not keyboard
    report = run_browser(
        page_url(stack.settings.public_url, language),
        {"keyboard": keyboard, "layout": pointer, "steps": registration(language, passport, pointer)},
    )
    assert report["pageErrors"] == []

    links = [link for link in report["links"] if "/confirmation/" in link["href"]]
    assert len(links) == 1, report["links"]
    assert links[0]["target"] == "_blank" and "noopener" in links[0]["rel"].split()
    status, page, _ = http("GET", links[0]["href"])
    assert status == 200 and passport[-3:] in page.decode()

    assert report["buttonTags"] and set(report["buttonTags"]) == {"BUTTON"}
    bot_messages = [message for message in report["transcript"] if message["role"] == "bot"]
    assert {(message["ownLang"], message["lang"]) for message in bot_messages} == {(language, language)}
    assert [message["text"] for message in report["transcript"] if message["role"] == "you"][2] == passport
    assert report["storage"] == {"local": [], "session": ["chat.conversation"]}
    logs = "".join(
        path.read_text(errors="replace") for path in (stack.settings.data_dir / "logs").glob("*.log")
    )
    assert passport not in logs

    if keyboard:
        assert report["focusOutlines"] and {item["outline"] for item in report["focusOutlines"]} == {
            "3px solid"
        }
    else:
        (reload,) = report["reloads"]
        assert reload["after"] == reload["before"] and len(reload["before"]) >= 6
        assert report["axe"]["buttonsShown"] >= 2
        assert report["axe"]["violations"] == [], json.dumps(report["axe"], indent=1)
        AXE_RESULTS.mkdir(parents=True, exist_ok=True)
        (AXE_RESULTS / f"axe-{language}.json").write_text(json.dumps(report["axe"], indent=1))
        print(
            f"\naxe-core {report['axe']['version']} ({language}): {len(report['axe']['violations'])} "
            f"violations, {report['axe']['passes']} rules passed, incomplete: "
            f"{[item['id'] for item in report['axe']['incomplete']]}"
        )
        for layout in report["layout"]:
            assert layout["problems"] == [], layout
            assert layout["scrollWidth"] <= layout["viewportWidth"], layout
            assert layout["blankBelow"] <= 40, layout  # the page ends with the input
            assert layout["messages"] == len(report["transcript"])
    print(f"browser run ({language}, {'keyboard' if keyboard else 'pointer'}): {report['ms']} ms")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_greets_first_with_buttons_to_start_or_ask_and_only_once(
    stack: Stack, language: str
) -> None:
    intro = t("greeting.intro", language, embassy="X", courier="DHL").split("X")[0]
    report = run_browser(
        page_url(stack.settings.public_url, language),
        {
            "keyboard": False,
            "steps": [
                {"shown": t("welcome.menu", language)},
                {"reload": True},
                {"press": t("welcome.ask_fee", language), "expect": first_line("faq.fee", language)},
                {"press": t("buttons.start", language), "expect": t("registered.ask", language)},
            ],
        },
    )
    assert report["pageErrors"] == []
    (reload,) = report["reloads"]
    assert reload["after"] == reload["before"]
    assert [message["role"] for message in reload["before"]] == ["bot", "bot"]
    bot_texts = [message["text"] for message in report["transcript"] if message["role"] == "bot"]
    assert sum(intro in text for text in bot_texts) == 1
    assert sum(t("welcome.menu", language) in text for text in bot_texts) == 1
    said = [message["text"] for message in report["transcript"] if message["role"] == "you"]
    assert said == [t("welcome.ask_fee", language), t("buttons.start", language)]


def test_messages_after_a_language_switch_are_marked_in_the_new_language(stack: Stack) -> None:
    report = run_browser(
        page_url(stack.settings.public_url, "en"),
        {
            "keyboard": False,
            "steps": [
                {"say": "hello", "expect": t("registered.ask", "en")},
                {"say": "change language", "expect": t("language.switched", "es")},
            ],
        },
    )
    assert report["pageErrors"] == []
    bot_languages = [message["ownLang"] for message in report["transcript"] if message["role"] == "bot"]
    switch = next(
        index
        for index, message in enumerate(m for m in report["transcript"] if m["role"] == "bot")
        if t("language.switched", "es") in message["text"]
    )
    assert set(bot_languages[:switch]) == {"en"} and set(bot_languages[switch:]) == {"es"}


def test_the_other_language_link_switches_the_conversation_too(stack: Stack) -> None:
    report = run_browser(
        page_url(stack.settings.public_url, "en"),
        {
            "keyboard": False,
            "steps": [
                {"say": "hello", "expect": t("registered.ask", "en")},
                {"say": "no", "expect": t("passport.ask", "en")},
                # The page's "En español" link, then the next reply: Spanish, same conversation.
                {"goto": "/es/", "expect": t("passport.ask", "es")},
                {"reload": True},
            ],
        },
    )
    assert report["pageErrors"] == []
    texts = [message["text"] for message in report["transcript"] if message["role"] == "bot"]
    assert t("language.switched", "es") in texts[-2] and t("passport.ask", "es") in texts[-1]
    # Nothing the person did not type is shown as theirs, and a reload asks nothing again.
    assert [m["text"] for m in report["transcript"] if m["role"] == "you"] == ["hello", "no"]
    (reload,) = report["reloads"]
    assert reload["after"] == reload["before"]


def test_the_page_says_so_while_the_assistant_cannot_be_reached(tmp_path: Path) -> None:
    web_port = unused_port()
    lone_web_app = Stack(
        stack_environment(
            {
                "DATA_DIR": str(tmp_path),
                "WEB_PORT": str(web_port),
                "PUBLIC_URL": f"http://127.0.0.1:{web_port}",
                "RASA_URL": f"http://127.0.0.1:{unused_port()}",  # nothing listens there
            }
        )
    )
    lone_web_app.start(only=("web",))
    try:
        report = run_browser(
            page_url(lone_web_app.settings.public_url, "es"),
            {"keyboard": False, "steps": [{"status": t("page.chat.offline", "es")}]},
        )
    finally:
        lone_web_app.stop()
    assert report["pageErrors"] and all("502" in error for error in report["pageErrors"]), report[
        "pageErrors"
    ]


def test_closed_chat_sockets_leave_no_error_in_the_rasa_log(stack: Stack) -> None:
    # Runs after the browser runs above, which opened and closed chat sockets; each
    # close used to log "Invalid response type None" with a traceback
    # (bot.channels.socketio.SocketCloseNoise).
    time.sleep(2)  # a close is logged after the browser has gone
    log = (stack.settings.data_dir / "logs" / "rasa.log").read_text(errors="replace")
    assert "Invalid response type None" not in log
