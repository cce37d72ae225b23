"""Hole 1: the action server listened on every interface with no authentication, so
anyone could ask it for another person's confirmation or save a registration with
impossible data. Now: loopback only, a token on every call, and actions that check
what the conversation proved."""

from __future__ import annotations

import json

import pytest

from bot.launcher import Stack
from tests.e2e.support import Chat, http, new_passport, register_new
from tests.security.support import action_call, listening_addresses, log_text, post_action


def test_every_process_listens_on_loopback_only(stack: Stack) -> None:
    settings = stack.settings
    for port in (settings.actions_port, settings.rasa_port, settings.web_port):
        assert listening_addresses(port) == {"127.0.0.1"}, port


@pytest.mark.parametrize("token", [None, "", "wrong", "0" * 64])
def test_calls_without_the_token_are_refused(stack: Stack, token: str | None) -> None:
    status, answer = post_action(stack, action_call("action_greet", {}), token=token)
    assert status == 401, answer
    status, _, _ = http(
        "GET",
        f"http://127.0.0.1:{stack.settings.actions_port}/actions",
        headers={"X-Action-Token": token} if token else {},
    )
    assert status == 401


def test_our_rasa_server_is_let_in(stack: Stack) -> None:
    status, answer = post_action(stack, action_call("action_greet", {"language": "en"}))
    assert status == 200, answer
    assert json.loads(answer)["responses"]


def test_a_forged_tracker_never_gets_someone_elses_confirmation(stack: Stack) -> None:
    """The reproduction of the issue, even with the right token: a registration id
    alone (and a few guesses) proves nothing."""
    number, link = register_new(Chat(stack), new_passport(), "1971-02-03", "Bolivia", "Sucre", "en")
    token = link.rsplit("/", 1)[1]
    for registration_id in ("1", "2", "3", "4", "1.abc"):
        slots = {"registration_id": registration_id, "return_location": "LPZ-01", "language": "en"}
        status, answer = post_action(stack, action_call("action_issue_confirmation", slots))
        assert status < 500, answer
        assert number.encode() not in answer and token.encode() not in answer
        assert b"/confirmation/" not in answer


def test_a_forged_save_with_impossible_data_saves_nothing(stack: Stack) -> None:
    passport = new_passport()
    slots = {
        "passport_number": passport,
        "date_of_birth": "2099-12-31",
        "nationality": "ZZZ",
        "language": "en",
        "registered": False,
        "details_confirmed": True,
    }
    status, answer = post_action(stack, action_call("action_save_registration", slots))
    assert status < 500, answer
    events = json.loads(answer).get("events", []) if status == 200 else []
    assert not any(e.get("name") == "registration_id" and e.get("value") for e in events), events


def test_an_action_error_echoes_and_logs_no_personal_data(stack: Stack) -> None:
    """Rasa SDK's own 500 sent the whole request back, and Rasa logged it."""
    passport = new_passport()
    # A slot of the wrong type makes the ask action fail.
    slots = {"passport_number": passport, "failed_attempts": "not counts", "language": "en"}
    status, answer = post_action(stack, action_call("action_ask_passport_number", slots))
    assert status == 500
    assert passport.encode() not in answer
    assert passport not in log_text(stack)
