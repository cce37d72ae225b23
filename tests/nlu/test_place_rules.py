"""Nationalities, misspelt ones, and return cities in free text (bot.nlu.place_rules),
through extract_entities."""

from __future__ import annotations

import pytest

from bot.core.countries import nationality_names, parse_nationality
from bot.nlu.entities import CITY, NATIONALITY, extract_entities
from tests.nlu.test_entities import LANGUAGES, extract, fields, only


@pytest.mark.parametrize(
    ("language", "text", "value", "span"),
    [
        ("es", "soy boliviana", "BOL", "boliviana"),
        ("es", "Soy BOLIVIANO", "BOL", "BOLIVIANO"),
        ("en", "I'm Bolivian", "BOL", "Bolivian"),
        ("en", "from Peru", "PER", "Peru"),
        ("es", "de Perú", "PER", "Perú"),
        ("es", "soy peruana", "PER", "peruana"),
        ("es", "mexicana", "MEX", "mexicana"),
        (None, "BOL", "BOL", "BOL"),
        (None, "BO", "BOL", "BO"),
        ("es", "Estados Unidos", "USA", "Estados Unidos"),
        ("es", "EE.UU.", "USA", "EE.UU."),
        ("en", "I'm from the United States of America", "USA", "United States of America"),
        ("en", "I live in the USA", "USA", "USA"),
        ("es", "República Dominicana", "DOM", "República Dominicana"),
        ("es", "costa rica", "CRI", "costa rica"),
        ("es", "soy colombiano", "COL", "colombiano"),
        ("es", "soy española", "ESP", "española"),
        ("en", "Guinea-Bissau", "GNB", "Guinea-Bissau"),
        ("en", "Côte d'Ivoire", "CIV", "Côte d'Ivoire"),
        ("es", "Trinidad y Tobago", "TTO", "Trinidad y Tobago"),
        ("es", "🇧🇴", "BOL", "🇧🇴"),
    ],
)
def test_nationality(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, NATIONALITY, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    "text",
    [
        "quiero hablar en español",
        "English please",
        "in Spanish",
        "mi hijo usa el teléfono",  # "usa" is a verb; "USA" counts in capitals only
        "hola, de nada",  # "de" is Germany's code in capitals only
        "I am OK",
        "BO y algo más",  # an alpha-2 code only as the whole message
        "NO",
        "SI",
        "I live in South America",  # "America" alone is the USA
        "vivo en América Latina",
    ],
)
def test_words_that_are_not_nationalities(text: str) -> None:
    assert not [entity for entity in extract(text) if entity.entity == NATIONALITY]


def test_a_code_that_is_also_a_word_does_not_count_in_a_shouted_message() -> None:
    assert fields("PER", None) == {(NATIONALITY, "PER")}
    assert (NATIONALITY, "PER") not in fields("I CAN SEND IT PER DHL", "en")


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("bolivain", "BOL", "bolivain"),
        ("soy bolivano", "BOL", "bolivano"),
        ("soy boliviamo", "BOL", "boliviamo"),
        ("I'm brazillian", "BRA", "brazillian"),
        ("soy peruvain", "PER", "peruvain"),
        ("soy colombaino", "COL", "colombaino"),
        ("mexicnaa", "MEX", "mexicnaa"),
        ("SOY VENEZOLNA", "VEN", "VENEZOLNA"),
        ("soy venzolano", "VEN", "venzolano"),
        ("I'm Columbian", "COL", "Columbian"),
        ("I am Australian", "AUS", "Australian"),  # a demonym the country index lacks
        ("nacionalidad ecuatorana", "ECU", "ecuatorana"),
        ("I am from the Domincan Republic", "DOM", "Domincan"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_misspelt_nationality(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, NATIONALITY, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    "text",
    [
        "soy de Mexicali",  # two edits from "mexicana"
        "estuve en Colombo",  # two edits from "Colombia"
        "vivo en la calle Bolívar",  # two edits from "Bolivia"
        "austrlian",  # as near Austria as Australia
        "el médico me atendió",  # one edit from "México", but a word
        "por la gracia de Dios",
        "I'm hungry",
        "me llamo Georgina",
        "quiero cantar",
        "perus",  # under six letters nothing is forgiven
        "obliviano",  # nor a wrong first letter
        "spanich please",  # the bot's languages are no nationality
        "englsh",
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_words_that_are_not_misspelt_nationalities(language: str | None, text: str) -> None:
    assert not [entity for entity in extract(text, language) if entity.entity == NATIONALITY]


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("soy voliviano", "BOL", "voliviano"),
        ("mi nacionalidad es colonbiana", "COL", "colonbiana"),
        ("soy arjentino, pasaporte AB12345", "ARG", "arjentino"),
        ("nacionalidad ekuatoriana", "ECU", "ekuatoriana"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_nationality_spelt_by_its_sound(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, NATIONALITY, language)
    assert (entity.value, entity.text) == (value, span)


# Everyday words one slip from a country, once taken for it (bot.core.spelling.REAL_WORDS).
@pytest.mark.parametrize(
    "text",
    [
        "when they finish, do they return the passport",
        "gracias, me sirvió mucho",
        "en gringo porfa",
        "me gana",
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_everyday_words_are_no_nationality(language: str | None, text: str) -> None:
    assert not [entity for entity in extract(text, language) if entity.entity == NATIONALITY]


@pytest.mark.parametrize(
    ("text", "city", "span"),
    [
        ("La Paz", "La Paz", "La Paz"),
        ("prefiero recogerlo en la paz", "La Paz", "la paz"),
        ("in Santa Cruz please", "Santa Cruz de la Sierra", "Santa Cruz"),
        ("santa cruz de la sierra", "Santa Cruz de la Sierra", "santa cruz de la sierra"),
        ("en Potosi", "Potosí", "Potosi"),
        ("POTOSÍ", "Potosí", "POTOSÍ"),
        ("Cbba", "Cochabamba", "Cbba"),
        ("Chuquisaca", "Sucre", "Chuquisaca"),
        ("soy de el alto", "El Alto", "el alto"),
        ("Trinidad", "Trinidad", "Trinidad"),
        ("la oficina LPZ-01", "La Paz", "LPZ-01"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_city(language: str | None, text: str, city: str, span: str) -> None:
    entity = only(text, CITY, language)
    assert (entity.value, entity.text) == (city, span)


@pytest.mark.parametrize(
    ("text", "city", "span"),
    [
        ("quiero recogerlo en cochavamba", "Cochabamba", "cochavamba"),
        ("sí, todo bien, y mándelo a santa crus", "Santa Cruz de la Sierra", "santa crus"),
        ("send it to Potossi please", "Potosí", "Potossi"),
        ("en la pas", "La Paz", "la pas"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_city_spelt_by_its_sound(language: str | None, text: str, city: str, span: str) -> None:
    entity = only(text, CITY, language)
    assert (entity.value, entity.text) == (city, span)


@pytest.mark.parametrize("text", ["la pasé bien", "q va", "the tarifa", "me corrija la fecha", "la casa"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_words_that_only_look_like_a_city(language: str | None, text: str) -> None:
    assert not [entity for entity in extract(text, language) if entity.entity == CITY]


def test_nationality_patterns_come_from_the_country_index() -> None:
    names = nationality_names()
    assert names["boliviana"] == "BOL"
    assert all(parse_nationality(name).value == code for name, code in list(names.items())[:200])
    names["boliviana"] = "XXX"
    assert nationality_names()["boliviana"] == "BOL"


@pytest.mark.parametrize(
    "text",
    [
        "web address of the embassy in bolivia",
        "sitio de la embajada de eeuu",
        "what's the population of bolivia",
        "translate hello to french",
        "traduce hola al frances",
        "I live in Peru now",
    ],
)
def test_a_country_named_as_a_place_is_no_nationality(text: str) -> None:
    assert [e for e in extract_entities(text, None) if e.entity == "nationality"] == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i was born in Bolivia", "BOL"),
        ("naci en bolivia", "BOL"),
        ("soy de Bolivia", "BOL"),
        ("I am a Bolivian citizen", "BOL"),
        ("soy peruana y vivo en Bolivia", "PER"),
    ],
)
def test_a_country_of_origin_stays_a_nationality(text: str, code: str) -> None:
    assert [e.value for e in extract_entities(text, None) if e.entity == "nationality"] == [code]
