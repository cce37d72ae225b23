"""Hole 6: a normal correction crashed an action. Registered path, the date of birth
being asked, the person corrects the passport: the lookup ran with an unvalidated
date (ValueError, action server 500, apology). Every lookup now sees validated values."""

from __future__ import annotations

import pytest

from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import Chat, expect, new_passport
from tests.security.support import count, log_text

# The first is the issue's own; the others must not crash either (whether the
# second is understood as a correction is a matter of understanding, not safety).
CORRECTIONS = [
    "wait, the passport is {passport}",
    "sorry my passport number is {passport} not that one",
    "{passport}",
]


@pytest.mark.parametrize("correction", CORRECTIONS)
def test_correcting_the_passport_while_the_date_is_asked_again(stack: Stack, correction: str) -> None:
    """The nationality is known and the date of birth is being asked again (after a
    lookup that found nothing): the reproduction of the issue."""
    first, second = new_passport(), new_passport()
    failures = count("Traceback|An action failed", log_text(stack, "actions"))
    chat = Chat(stack, language="en")
    chat.say("hello")
    chat.say("yes, I'm registered")
    for answer in (first, "1983-04-12", "Bolivian"):
        chat.say(answer)
    expect(chat, "lookup.not_found", "en")
    chat.say("change date of birth")
    expect(chat, "dob.ask", "en")
    chat.say(correction.format(passport=second))
    assert t("system.unavailable", "en") not in chat.text
    assert count("Traceback|An action failed", log_text(stack, "actions")) == failures
    if t("dob.ask", "en") in chat.text:
        chat.say("1983-04-13")
    expect(chat, "lookup.not_found", "en")
    if correction == CORRECTIONS[0]:
        assert second in chat.slot_history("passport_number")
