"""bot.core.registered: 'first time' / 'already registered' read from a whole message."""

from __future__ import annotations

import pytest

from bot.core.registered import said_registered


@pytest.mark.parametrize(
    "text",
    [
        "hi first time here, passport RW6515234, born July 23 1990, im bolivian",
        "first time, passport AM7045204, dob 2 feb 1995, nationality bolivian",
        "hola es mi primera vez, pasaporte WP6399281, naci el 23/7/1990, soy boliviana",
        "hola primera vez, pasaporte SW2357962",
        "Es la primera vez que hago esto",
        "I have never registered",
        "I have never registered before",
        "no me registre antes",
        "i'm not registered yet",
        "nunca me registré",
        "no me registre todavia",
        "no estoy registrada",
        "soy nuevo",
        "it's my 1st time",
    ],
)
def test_first_time(text: str) -> None:
    assert said_registered(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "hi i already registered last month. passport ZI3121800 born 30 nov 1988",
        "hola ya me registre antes, pasaporte nro HM1409408",
        "I registered before",
        "ya estoy registrado",
        "Ya me registré el año pasado",
        "ya tengo cuenta",
        "I'm registered already",
        "me registré hace un mes",
    ],
)
def test_registered_before(text: str) -> None:
    assert said_registered(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "hola",
        "my passport is E1234567",
        "no me acuerdo si ya me registré",
        "not sure if I registered before",
        "I don't remember if I registered",
        "tal vez ya me registre",
        "first time? I think I registered already",  # says both: ask
        "how do I register?",
        "registro",
        "a" * 10_000,
    ],
)
def test_unclear_or_neither(text: str | None) -> None:
    assert said_registered(text) is None
