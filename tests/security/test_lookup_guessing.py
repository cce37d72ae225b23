"""Hole 3: dates of birth could be guessed. Knowing a passport number and the
nationality, "change date of birth" in a loop found the date in 35 guesses. Failed
lookups are now limited per conversation and per passport, with one and the same
reply whether the passport exists or not, and a person who mistypes twice still
gets through."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import Chat, expect, new_passport, register_new

LIMITED_KEY = "lookup.limited"
MAX_GUESSES = 10
BIRTH = date(1988, 3, 14)


def _guesses() -> list[str]:
    return [(BIRTH + timedelta(days=offset)).isoformat() for offset in range(1, MAX_GUESSES + 2)]


def _start_lookup(stack: Stack, passport: str, first_date: str) -> Chat:
    chat = Chat(stack, language="en")
    chat.say("hello")
    chat.say("yes, I'm registered")
    for answer in (passport, first_date, "Bolivian"):
        chat.say(answer)
    return chat


def _guess_until_limited(chat: Chat) -> tuple[int, str]:
    """Changes the date of birth to the next wrong guess until the lookup is refused;
    (number of failed lookups before that, the refusal's text)."""
    guesses = _guesses()
    failures = 1
    for guess in guesses[1:]:
        if t(LIMITED_KEY, "en").split("\n")[0] in chat.text:
            return failures, chat.text
        expect(chat, "lookup.not_found", "en")
        chat.say("change date of birth")
        expect(chat, "dob.ask", "en")
        chat.say(guess)
        failures += 1
    raise AssertionError(f"still guessing after {MAX_GUESSES} wrong dates:\n{chat.text}")


def test_guessing_in_one_conversation_is_stopped(stack: Stack) -> None:
    passport = new_passport()
    register_new(Chat(stack), passport, BIRTH.isoformat(), "Bolivia", "Tarija", "en")
    chat = _start_lookup(stack, passport, _guesses()[0])
    failures, _ = _guess_until_limited(chat)
    assert 3 <= failures <= MAX_GUESSES
    # Even the right date is not looked up any more in this conversation.
    chat.say("change date of birth")
    chat.say(BIRTH.isoformat())
    assert t("lookup.found", "en") not in chat.text


def test_the_refusal_is_the_same_whether_the_passport_exists(stack: Stack) -> None:
    known = new_passport()
    register_new(Chat(stack), known, BIRTH.isoformat(), "Bolivia", "Oruro", "en")
    refusals = []
    for passport in (known, new_passport()):
        failures, refusal = _guess_until_limited(_start_lookup(stack, passport, _guesses()[0]))
        refusals.append((failures, refusal))
    assert refusals[0] == refusals[1]


def test_guessing_across_conversations_is_stopped_per_passport(stack: Stack) -> None:
    passport = new_passport()
    register_new(Chat(stack), passport, BIRTH.isoformat(), "Bolivia", "Potosí", "en")
    for guess in _guesses()[:MAX_GUESSES]:
        chat = _start_lookup(stack, passport, guess)
        if t(LIMITED_KEY, "en").split("\n")[0] in chat.text:
            break
        expect(chat, "lookup.not_found", "en")
    else:
        raise AssertionError("a new conversation for every guess was never stopped")
    chat = _start_lookup(stack, passport, BIRTH.isoformat())
    assert t("lookup.found", "en") not in chat.text


def test_a_person_who_mistypes_twice_gets_through(stack: Stack) -> None:
    passport = new_passport()
    register_new(Chat(stack), passport, BIRTH.isoformat(), "Bolivia", "Sucre", "en")
    chat = _start_lookup(stack, passport, _guesses()[0])
    expect(chat, "lookup.not_found", "en")
    chat.say("change date of birth")
    chat.say(_guesses()[1])
    expect(chat, "lookup.not_found", "en")
    chat.say("change date of birth")
    chat.say(BIRTH.isoformat())
    expect(chat, "lookup.found", "en")
