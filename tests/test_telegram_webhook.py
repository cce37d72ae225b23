"""The `make telegram-webhook` command (bot/telegram_webhook.py) against the fake Bot
API: what it registers, shows and removes, and how it explains what is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import telegram_webhook
from bot.channels import telegram
from bot.core.settings import PROJECT_ROOT
from tests.fakes import telegram as fake
from tests.fakes.recorder import RecordingServer
from tests.fakes.telegram import calls

WEBHOOK_URL = "https://bot.example.org/webhooks/telegram/webhook"


def webhook_env(api: RecordingServer, **changes: str) -> dict[str, str]:
    env = {
        "TELEGRAM_BOT_TOKEN": fake.TOKEN,
        "TELEGRAM_SECRET_TOKEN": fake.SECRET,
        "TELEGRAM_API_BASE": api.url,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
    }
    env.update(changes)
    return {name: value for name, value in env.items() if value}


def test_the_webhook_command_registers_url_secret_and_update_types(
    api: RecordingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert telegram_webhook.main([], webhook_env(api)) == 0
    ((method, body),) = calls(api)
    assert api.requests[0].path == f"/bot{fake.TOKEN}/setWebhook"
    assert (method, body) == (
        "setWebhook",
        {"url": WEBHOOK_URL, "secret_token": fake.SECRET, "allowed_updates": ["message", "callback_query"]},
    )
    out = capsys.readouterr()
    assert "Webhook was set" in out.out and fake.TOKEN not in out.out + out.err


@pytest.mark.parametrize(("command", "method"), [("info", "getWebhookInfo"), ("delete", "deleteWebhook")])
def test_the_webhook_command_shows_and_removes(api: RecordingServer, command: str, method: str) -> None:
    assert telegram_webhook.main([command], webhook_env(api, TELEGRAM_WEBHOOK_URL="")) == 0
    assert [m for m, _ in calls(api)] == [method]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "are not set: TELEGRAM_BOT_TOKEN (the token BotFather gave you)."),
        ({"TELEGRAM_SECRET_TOKEN": ""}, "are not set: TELEGRAM_SECRET_TOKEN"),
        (
            {"TELEGRAM_WEBHOOK_URL": "", "TELEGRAM_BOT_TOKEN": ""},
            "TELEGRAM_BOT_TOKEN (the token BotFather gave you); TELEGRAM_WEBHOOK_URL",
        ),
        ({"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/webhooks/telegram/webhook"}, "https://"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/"}, "must end with /webhooks/telegram/webhook"),
        ({"TELEGRAM_SECRET_TOKEN": "has spaces and ü"}, "may only hold"),
    ],
)
def test_the_webhook_command_explains_what_is_missing(
    api: RecordingServer, capsys: pytest.CaptureFixture[str], changes: dict, message: str
) -> None:
    assert telegram_webhook.main([], webhook_env(api, **changes)) == 1
    assert message in capsys.readouterr().err
    assert api.requests == []


def test_the_webhook_command_reports_a_refusal(
    api: RecordingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.fail_next(400)
    assert telegram_webhook.main([], webhook_env(api)) == 1
    assert "Telegram refused" in capsys.readouterr().err


def test_the_webhook_command_without_a_reachable_api_does_not_print_the_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": fake.TOKEN, "TELEGRAM_API_BASE": "http://127.0.0.1:9"}
    assert telegram_webhook.main(["info"], env) == 1
    err = capsys.readouterr().err
    assert "could not reach the Bot API" in err and fake.TOKEN not in err


def test_make_telegram_webhook_runs_the_command(api: RecordingServer) -> None:
    env = {**os.environ, **webhook_env(api)}
    # -o: never (re)install the venv from a test.
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "telegram-webhook"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [m for m, _ in calls(api)] == ["setWebhook"]


def test_the_tool_and_the_channel_default_to_the_same_bot_api() -> None:
    # The tool does not import the channel (it stays a small urllib script).
    assert telegram_webhook.DEFAULT_API_BASE == telegram.DEFAULT_API_BASE == "https://api.telegram.org"


def test_the_tool_imports_neither_the_channels_nor_rasa() -> None:
    code = (
        "import sys, bot.telegram_webhook; "
        "print(sorted(m for m in sys.modules if m.startswith(('bot.channels', 'rasa', 'sanic'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
