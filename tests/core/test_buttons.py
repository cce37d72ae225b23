"""Typed buttons (bot.core.buttons): which offered button a typed message clearly
means, with the titles the assistant really shows (locales and the shipped profile)."""

from __future__ import annotations

import pytest

from bot.core.buttons import answered_yes_or_no, pressed_button, read
from bot.core.i18n import t
from bot.core.profile import load_profile
from bot.core.settings import DEFAULT_PROFILE

DATES = {"en": ("5 March 1985", "3 May 1985"), "es": ("5 de marzo de 1985", "3 de mayo de 1985")}


def buttons(*pairs: tuple[str, str]) -> list[dict[str, object]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def registered(language: str) -> list[dict[str, object]]:
    return buttons(
        (t("registered.yes", language), "/already_registered"),
        (t("registered.no", language), "/not_registered"),
    )


def date_confirmation(language: str) -> list[dict[str, object]]:
    said, other = DATES[language]
    return buttons(
        (t("dob.yes", language, date=said), "/affirm"), (t("dob.no", language, date=other), "/deny")
    )


def lookup_choice(language: str) -> list[dict[str, object]]:
    return buttons(
        (t("lookup.retry", language), "/retry"), (t("lookup.register", language), "/not_registered")
    )


def summary(language: str) -> list[dict[str, object]]:
    return buttons(
        (t("summary.yes", language), "/affirm"),
        (t("summary.change_passport", language), '/change_field{"field": "passport_number"}'),
        (t("summary.change_dob", language), '/change_field{"field": "date_of_birth"}'),
        (t("summary.change_nationality", language), '/change_field{"field": "nationality"}'),
    )


def office_confirmation(language: str) -> list[dict[str, object]]:
    return buttons((t("location.yes", language), "/affirm"), (t("location.no", language), "/deny"))


def menu(language: str) -> list[dict[str, object]]:
    return buttons((t("buttons.start", language), "/request_courier"), (t("buttons.help", language), "/help"))


LANGUAGE_CHOICE = buttons(
    (t("language.english", "en"), '/switch_language{"language": "en"}'),
    (t("language.spanish", "en"), '/switch_language{"language": "es"}'),
)
CITIES = buttons(*((city, city) for city in load_profile(DEFAULT_PROFILE).cities()))

CHANGE_DOB = '/change_field{"field": "date_of_birth"}'


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        # The title itself, whatever the case, accents and punctuation.
        ("Yes, I'm registered", "/already_registered"),
        ("yes im registered", "/already_registered"),
        ("No, it's my first time", "/not_registered"),
        ("no, its my first time!", "/not_registered"),
        # Without its yes/no, or with the half that says it.
        ("I'm registered", "/already_registered"),
        ("it's my first time", "/not_registered"),
        ("my first time", "/not_registered"),
        # A small typo in a long word.
        ("its my frist time", "/not_registered"),
        # Only a yes or a no, or the opposite yes/no of a title: NLU decides.
        ("yes", None),
        ("no", None),
        ("yes, it's my first time", None),
        ("no, I'm registered", None),
        # More than a title.
        ("no, it's my first time and I have my passport here", None),
    ],
)
def test_the_registered_question_in_english(typed: str, payload: str | None) -> None:
    assert pressed_button(typed, registered("en")) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("Sí, ya me registré", "/already_registered"),
        ("si ya me registre", "/already_registered"),
        ("SÍ, YA ME REGISTRÉ.", "/already_registered"),
        ("ya me registré", "/already_registered"),
        ("No, es la primera vez", "/not_registered"),
        ("no, es la primera vez", "/not_registered"),
        ("es la primera vez", "/not_registered"),
        ("la primera vez", "/not_registered"),
        ("es la primera ves", "/not_registered"),
        # "no" without a comma may deny what follows: "it is not the first time".
        ("no es la primera vez", None),
        # One changed short word changes the meaning: never forgiven.
        ("no me registré", None),
        ("sí", None),
        ("si", None),
        ("no", None),
    ],
)
def test_the_registered_question_in_spanish(typed: str, payload: str | None) -> None:
    assert pressed_button(typed, registered("es")) == payload


@pytest.mark.parametrize(
    ("language", "typed", "payload"),
    [
        ("en", "yes, 5 March 1985", "/affirm"),
        ("en", "5 march 1985", "/affirm"),
        ("en", "3 May 1985", "/deny"),
        ("en", "no, 3 may 1985", "/deny"),
        ("es", "Sí, el 5 de marzo de 1985", "/affirm"),
        ("es", "si, 5 de marzo de 1985", "/affirm"),
        ("es", "3 de mayo de 1985", "/deny"),
        ("es", "no, el 3 de mayo de 1985", "/deny"),
        # Numbers are never guessed: another date is an answer for NLU and the form.
        ("en", "4 March 1985", None),
        ("en", "5 March 1986", None),
        ("es", "el 3 de mayo de 1958", None),
        # A yes with the other reading contradicts itself.
        ("en", "yes, 3 May 1985", None),
        ("es", "5 de marzo", None),
    ],
)
def test_the_two_readings_of_a_date(language: str, typed: str, payload: str | None) -> None:
    assert pressed_button(typed, date_confirmation(language)) == payload


@pytest.mark.parametrize(
    ("language", "typed", "payload"),
    [
        ("en", "Try again", "/retry"),
        ("en", "try agian", "/retry"),
        ("en", "register as new", "/not_registered"),
        ("en", "Register as new please", "/not_registered"),
        ("es", "intentar de nuevo", "/retry"),
        ("es", "Intentar denuevo", "/retry"),
        ("es", "registrarme como nuevo", "/not_registered"),
        ("es", "registrarme como nuevo por favor", "/not_registered"),
        ("es", "Registrarme como nueva", "/not_registered"),
        ("es", "nuevo", None),
    ],
)
def test_the_lookup_choice(language: str, typed: str, payload: str | None) -> None:
    assert pressed_button(typed, lookup_choice(language)) == payload


@pytest.mark.parametrize(
    ("language", "typed", "payload"),
    [
        ("en", "Yes, it's correct", "/affirm"),
        ("en", "its correct", "/affirm"),
        ("en", "change date of birth", CHANGE_DOB),
        ("en", "Change date", CHANGE_DOB),
        ("en", "change nacionality", '/change_field{"field": "nationality"}'),
        ("en", "change passport", '/change_field{"field": "passport_number"}'),
        ("es", "sí, está correcto", "/affirm"),
        ("es", "esta correcto", "/affirm"),
        ("es", "cambiar fecha de nacimiento", CHANGE_DOB),
        ("es", "Cambiar fecha", CHANGE_DOB),
        ("es", "cambiar nacionalidad", '/change_field{"field": "nationality"}'),
        ("es", "cambiar pasaporte", '/change_field{"field": "passport_number"}'),
        # "change" alone starts three titles: none is chosen.
        ("en", "change", None),
        ("es", "cambiar", None),
        # Another wording is for NLU ("change the date" is change_field there).
        ("en", "change the date", None),
        ("en", "yes, it's correct but change the date", None),
        ("es", "no está correcto", None),
    ],
)
def test_the_summary(language: str, typed: str, payload: str | None) -> None:
    assert pressed_button(typed, summary(language)) == payload


@pytest.mark.parametrize(
    ("language", "typed", "payload"),
    [
        ("en", "Yes, that's right", "/affirm"),
        ("en", "thats right", "/affirm"),
        ("en", "choose another", "/deny"),
        ("en", "no, choose another", "/deny"),
        ("en", "No, choose anothr", "/deny"),
        ("es", "Sí, es correcto", "/affirm"),
        ("es", "elegir otra", "/deny"),
        ("es", "no, elegir otra", "/deny"),
        ("es", "Elejir otra por favor", "/deny"),
        ("es", "ok, elegir otra", "/deny"),
        # The bare yes/no is NLU's; so is a message that says more than a title.
        ("en", "no", None),
        ("es", "sí", None),
        ("en", "yes that's right and send it to Santa Cruz", None),
        ("es", "sí, es correcto, y que me lo manden a Santa Cruz", None),
        ("en", "no, that's right", None),
        ("es", "no, es correcto", None),
    ],
)
def test_the_office_confirmation(language: str, typed: str, payload: str | None) -> None:
    assert pressed_button(typed, office_confirmation(language)) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("no, choose another", "/deny"),
        ("choose another office", "/deny"),
        ("yes", "/affirm"),
        ("YES!", "/affirm"),
        ("no", None),
        ("yes that's right and send it to Santa Cruz", None),
    ],
)
def test_a_bare_yes_title_and_a_longer_no_title(typed: str, payload: str | None) -> None:
    offered = buttons(("Yes", "/affirm"), ("No, choose another office", "/deny"))
    assert pressed_button(typed, offered) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("Cochabamba", "Cochabamba"),
        ("cochavamba", "Cochabamba"),
        ("santa cruz", "Santa Cruz de la Sierra"),
        ("santa crus", "Santa Cruz de la Sierra"),
        ("santa cruz de la sierra", "Santa Cruz de la Sierra"),
        ("la paz", "La Paz"),
        ("la pas", "La Paz"),
        ("LA PAZ.", "La Paz"),
        ("lapaz", "La Paz"),
        ("el alto", "El Alto"),
        ("potosi", "Potosí"),
        ("oruru", "Oruro"),
        ("sucre por favor", "Sucre"),
        # Short words take no typo (only b/v, s/z, ll/y, h), and places not on the list
        # are not guessed.
        ("la par", None),
        ("la", None),
        ("santa ana", None),
        ("tarija 2", None),
        ("quiero que me lo manden a cochabamba", None),
    ],
)
def test_the_cities(typed: str, payload: str | None) -> None:
    assert pressed_button(typed, CITIES) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("English", '/switch_language{"language": "en"}'),
        ("ENGLISH", '/switch_language{"language": "en"}'),
        ("Español", '/switch_language{"language": "es"}'),
        ("espanol", '/switch_language{"language": "es"}'),
        ("espaniol", '/switch_language{"language": "es"}'),
        ("ingles", None),
        ("en español por favor", None),
    ],
)
def test_the_language_choice(typed: str, payload: str | None) -> None:
    assert pressed_button(typed, LANGUAGE_CHOICE) == payload


@pytest.mark.parametrize(
    ("language", "typed", "payload"),
    [
        ("en", "start", "/request_courier"),
        ("en", "What can you do?", "/help"),
        ("en", "what can you do", "/help"),
        ("es", "Empezar", "/request_courier"),
        ("es", "¿qué puede hacer?", "/help"),
        ("es", "que puede hacer", "/help"),
        ("es", "qué puedes hacer", "/help"),
        ("en", "what can you do for my passport", None),
    ],
)
def test_the_menu(language: str, typed: str, payload: str | None) -> None:
    assert pressed_button(typed, menu(language)) == payload


def test_a_title_that_two_payloads_share_up_to_a_typo_picks_the_exact_one() -> None:
    offered = buttons(("Oruro", "ORU"), ("Orura", "ORA"))
    assert pressed_button("oruro", offered) == "ORU"
    assert pressed_button("orurx", offered) is None


def test_the_same_payload_twice_is_not_ambiguous() -> None:
    offered = buttons(("Yes, that's right", "/affirm"), ("Yes, that's right!", "/affirm"))
    assert pressed_button("thats right", offered) == "/affirm"


@pytest.mark.parametrize("typed", ["", "   ", "!!!", "🙂", "ok", "please"])
def test_no_words_pick_nothing(typed: str) -> None:
    assert pressed_button(typed, office_confirmation("en")) is None


def test_no_buttons_or_unusable_ones_pick_nothing() -> None:
    assert pressed_button("choose another", []) is None
    assert pressed_button("choose another", [{"title": "Choose another"}, {"payload": "/deny"}]) is None
    assert pressed_button("choose another", [{"title": "Choose another", "payload": ""}]) is None


@pytest.mark.parametrize(
    ("text", "words", "polarity"),
    [
        ("Sí, ya me registré", ("ya", "me", "registre"), True),
        ("No, it's my first time", ("its", "my", "first", "time"), False),
        ("ok, no. Elegir otra, por favor", ("elegir", "otra"), False),
        ("Choose another", ("choose", "another"), None),
        ("No", (), False),
        ("yes gracias", (), True),
        ("gracias", ("gracias",), None),
    ],
)
def test_read_sets_aside_the_yes_or_no_and_polite_words(
    text: str, words: tuple[str, ...], polarity: bool | None
) -> None:
    reading = read(text)
    assert reading is not None
    assert (reading.words, reading.polarity) == (words, polarity)


def test_read_refuses_a_no_that_may_deny_the_rest() -> None:
    assert read("no es la primera vez") is None
    assert read("no, es la primera vez") is not None


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("yes that's right and send it back to Santa Cruz", "/affirm"),
        ("si esta todo bien y q me lo devuelvan en santa cruz", "/affirm"),
        ("no, change the nationality", "/deny"),
        ("yes gracias", "/affirm"),
        ("send it to Santa Cruz", None),
        ("no es la primera vez", None),
    ],
)
def test_a_leading_yes_or_no_that_goes_on_answers_the_yes_or_no_button(
    typed: str, payload: str | None
) -> None:
    offered = buttons(("Yes, that's right", "/affirm"), ("Choose another", "/deny"), ("No", "/deny"))
    assert answered_yes_or_no(typed, offered) == payload


def test_a_leading_yes_with_two_different_yes_buttons_answers_nothing() -> None:
    offered = buttons(("Yes, here", "/affirm"), ("Yes, there", "/other"))
    assert answered_yes_or_no("yes and more", offered) is None
