"""Rule-based extraction of the personal fields from free text (bot.nlu.entities)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.countries import nationality_names, parse_nationality
from bot.nlu.entities import (
    CITY,
    DATE_OF_BIRTH,
    NATIONALITY,
    PASSPORT_NUMBER,
    Entity,
    extract_entities,
)

TODAY = date(2025, 6, 15)
LANGUAGES = ("en", "es", None)


def extract(text: str, language: str | None = "es") -> list[Entity]:
    entities = extract_entities(text, language, today=TODAY)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text
    return entities


def fields(text: str, language: str | None = "es") -> set[tuple[str, str]]:
    return {(entity.entity, entity.value) for entity in extract(text, language)}


def only(text: str, kind: str, language: str | None = "es") -> Entity:
    found = [entity for entity in extract(text, language) if entity.entity == kind]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("language", "text", "value", "span"),
    [
        ("es", "mi pasaporte es A1234567", "A1234567", "A1234567"),
        ("en", "my passport number is a1234567", "A1234567", "a1234567"),
        ("es", "pasaporte: EA-1234567", "EA1234567", "EA-1234567"),
        ("en", "passport #4567890", "4567890", "4567890"),
        ("es", "nro. 4567890", "4567890", "4567890"),
        ("es", "N° A1234567", "A1234567", "A1234567"),
        ("es", "Nº 123456", "123456", "123456"),
        ("en", "No. 1234567", "1234567", "1234567"),
        ("es", "número de pasaporte: 987654321", "987654321", "987654321"),
        ("es", "pasaporte a123 4567", "A1234567", "a123 4567"),
        ("es", "pasaporte EA 1234567", "EA1234567", "EA 1234567"),
        (None, "a123 4567", "A1234567", "a123 4567"),
        (None, "A1234567", "A1234567", "A1234567"),
        ("en", "It's A1234567.", "A1234567", "A1234567"),
        ("es", "(A1234567)", "A1234567", "A1234567"),
        ("es", "pasaporte: EA-123-456", "EA123456", "EA-123-456"),
    ],
)
def test_passport_number(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, PASSPORT_NUMBER, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    ("language", "text", "value", "span"),
    [
        ("es", "nací el 3 de mayo del 88", "1988-05-03", "3 de mayo del 88"),
        ("es", "5 de marzo de 1985", "1985-03-05", "5 de marzo de 1985"),
        ("es", "12 de setiembre del 90", "1990-09-12", "12 de setiembre del 90"),
        ("es", "el 1º de mayo de 1980", "1980-05-01", "1º de mayo de 1980"),
        ("es", "1° de mayo del 80", "1980-05-01", "1° de mayo del 80"),
        ("es", "20 abr. 1975", "1975-04-20", "20 abr. 1975"),
        ("es", "marzo 5 de 1985", "1985-03-05", "marzo 5 de 1985"),
        ("es", "lunes 7 de julio de 1969", "1969-07-07", "7 de julio de 1969"),
        ("en", "born March 5, 1985", "1985-03-05", "March 5, 1985"),
        ("en", "5th march 85", "1985-03-05", "5th march 85"),
        ("en", "May 5th, 1985", "1985-05-05", "May 5th, 1985"),
        ("en", "Dec 3 1999", "1999-12-03", "Dec 3 1999"),
        ("en", "the 5th of March 1985", "1985-03-05", "5th of March 1985"),
        ("es", "1985-03-05", "1985-03-05", "1985-03-05"),
        ("en", "born on 21/07/1990.", "1990-07-21", "21/07/1990"),
        # A two-digit year is the latest one in the past.
        ("es", "3 de mayo del 24", "2024-05-03", "3 de mayo del 24"),
        ("en", "5 May 26", "1926-05-05", "5 May 26"),
    ],
)
def test_date_of_birth(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, DATE_OF_BIRTH, language)
    assert (entity.value, entity.text, entity.extra) == (value, span, {})


@pytest.mark.parametrize(
    ("text", "value", "alternative"),
    [
        ("05/03/1985", "1985-03-05", "1985-05-03"),
        ("5-3-85", "1985-03-05", "1985-05-03"),
        ("5.3.85", "1985-03-05", "1985-05-03"),
        ("05 / 03 / 1985", "1985-03-05", "1985-05-03"),
        ("05 03 1985", "1985-03-05", "1985-05-03"),
        ("03/05/88", "1988-05-03", "1988-03-05"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_ambiguous_dates_keep_the_month_first_reading(
    language: str | None, text: str, value: str, alternative: str
) -> None:
    entity = only(text, DATE_OF_BIRTH, language)
    assert (entity.value, entity.extra) == (value, {"alternative": alternative})


def test_a_date_that_cannot_be_ambiguous_has_no_alternative() -> None:
    assert only("25/12/1985", DATE_OF_BIRTH).extra == {}


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


def test_a_misspelt_nationality_among_the_other_fields() -> None:
    text = "mi pasaporte es el G 123 4455, soy bolivain y nací el 3 de mayo del 88"
    assert fields(text) == {
        (PASSPORT_NUMBER, "G1234455"),
        (NATIONALITY, "BOL"),
        (DATE_OF_BIRTH, "1988-05-03"),
    }


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
    ("language", "text"),
    [
        ("es", "Soy boliviana, mi pasaporte es A1234567 y nací el 3 de mayo del 88"),
        ("en", "I'm Bolivian, passport #A1234567, born May 3, 1988"),
        (None, "A1234567, 3 de mayo del 88, BOL"),
        ("es", "nací el 3 de mayo de 1988 en Cochabamba, pasaporte A1234567, nacionalidad boliviana"),
    ],
)
def test_all_fields_in_one_message(language: str | None, text: str) -> None:
    found = fields(text, language)
    assert {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1988-05-03"), (NATIONALITY, "BOL")} <= found
    assert {kind for kind, _ in found} <= {PASSPORT_NUMBER, DATE_OF_BIRTH, NATIONALITY, CITY}


def test_entities_come_in_text_order_with_their_offsets() -> None:
    text = "pasaporte A1234567, nací el 5/3/1985 en Sucre, soy boliviano"
    expected = [
        (PASSPORT_NUMBER, "A1234567"),
        (DATE_OF_BIRTH, "5/3/1985"),
        (CITY, "Sucre"),
        (NATIONALITY, "boliviano"),
    ]
    assert [(e.entity, e.start, e.end) for e in extract(text)] == [
        (kind, text.index(span), text.index(span) + len(span)) for kind, span in expected
    ]


@pytest.mark.parametrize(
    ("text", "passport", "date_of_birth"),
    [
        ("A1234567 05-03-1985", "A1234567", "1985-03-05"),
        ("05/03/1985 A1234567", "A1234567", "1985-03-05"),
        ("5/3/85,A123456", "A123456", "1985-03-05"),
        ("born 1985-03-05 passport 4567890", "4567890", "1985-03-05"),
    ],
)
def test_a_passport_next_to_a_date(text: str, passport: str, date_of_birth: str) -> None:
    assert fields(text) == {(PASSPORT_NUMBER, passport), (DATE_OF_BIRTH, date_of_birth)}


@pytest.mark.parametrize(
    "text",
    [
        "1985",
        "3",
        "nací en 1985",
        "tengo 3 hijos",
        "05-03-1985",  # a date, not passport 05031985
        "31/02/1985",  # not on the calendar: no date, and not a passport either
        "05/03/2030",  # in the future: likewise
        "+591 71234567",
        "my phone number is 71234567",
        "mi CI es 7654321",
        "confirmación #ABCD-1234",
        "I filled the DS-260 form",
        "hola a123 4567",  # two short groups inside a sentence are not clearly one number
        "ABCDEF",
    ],
)
def test_numbers_that_are_not_passports(text: str) -> None:
    assert not [entity for entity in extract(text) if entity.entity == PASSPORT_NUMBER]


def test_a_number_after_a_passport_cue_wins_over_the_others() -> None:
    assert only("llamar al 7777777, pasaporte A1234567", PASSPORT_NUMBER).value == "A1234567"
    assert only("mi CI es 7654321 y mi pasaporte 1234567", PASSPORT_NUMBER).value == "1234567"


def test_without_a_cue_every_number_is_offered() -> None:
    assert {e.value for e in extract("A1234567 o B7654321") if e.entity == PASSPORT_NUMBER} == {
        "A1234567",
        "B7654321",
    }


def test_spaced_groups_stop_at_a_short_trailing_number() -> None:
    assert only("passport A1234567 2 copies", PASSPORT_NUMBER, "en").value == "A1234567"


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("mi pasaporte es el g 123 4455", "G1234455", "g 123 4455"),
        ("passport: ZX 44 55 667", "ZX4455667", "ZX 44 55 667"),
        ("my number is 12 34 567", "1234567", "12 34 567"),
        ("número: 12 34 567", "1234567", "12 34 567"),
        ("n° 55 66 778", "5566778", "55 66 778"),
        ("pasaporte AB-12 34 567", "AB1234567", "AB-12 34 567"),
        ("it's 12 34 567", "1234567", "12 34 567"),
        ("es el 12 34 567", "1234567", "12 34 567"),
        # A cue after the number.
        ("4455 6677 is my passport", "44556677", "4455 6677"),
        ("4455 6677, that's my passport", "44556677", "4455 6677"),
        ("sp 1234 567 thats my passport", "SP1234567", "sp 1234 567"),
        ("sp 1234 567 thats the passport", "SP1234567", "sp 1234 567"),
        ("12 34 567 es mi pasaporte", "1234567", "12 34 567"),
        ("PQ 12 3456 7 es mi pasaporte", "PQ1234567", "PQ 12 3456 7"),
        # The whole message.
        ("PQ 12 3456 7", "PQ1234567", "PQ 12 3456 7"),
        ("zx 44 55 667.", "ZX4455667", "zx 44 55 667"),
        # A short everyday word does not start the number.
        ("so 1234 567 is my passport", "1234567", "1234 567"),
        ("y 1234 567 es mi pasaporte", "1234567", "1234 567"),
        ("passport number: ok 1234567", "1234567", "1234567"),
        # A short last group before "y" / "and" still belongs to the number.
        ("mi pasaporte es 12 34 56 7 y nací en Potosí", "1234567", "12 34 56 7"),
        ("pasaporte 12 34 567 +591 7123 4567", "1234567", "12 34 567"),
        ("pasaporte A1234567 3 hijos", "A1234567", "A1234567"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_number_typed_in_groups(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, PASSPORT_NUMBER, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    "text",
    [
        "RD 1234567",
        "RD-1234567",
        "mi pasaporte es RD 1234567",
        "RD 1234567 es mi pasaporte",
        "passport RD 1234567",
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_country_code_that_starts_a_passport_is_no_nationality(language: str | None, text: str) -> None:
    assert fields(text, language) == {(PASSPORT_NUMBER, "RD1234567")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PE 55667788", {(PASSPORT_NUMBER, "PE55667788")}),
        ("pasaporte PE 55667788", {(PASSPORT_NUMBER, "PE55667788")}),
        # Without a cue, in a sentence, the code stays a nationality.
        ("soy de RD 1234567", {(NATIONALITY, "DOM"), (PASSPORT_NUMBER, "1234567")}),
        ("nacionalidad RD, pasaporte 1234567", {(NATIONALITY, "DOM"), (PASSPORT_NUMBER, "1234567")}),
        ("RD", {(NATIONALITY, "DOM")}),
        # Three letters are a nationality, not a prefix.
        ("pasaporte BOL 1234567", {(NATIONALITY, "BOL"), (PASSPORT_NUMBER, "1234567")}),
    ],
)
def test_country_codes_next_to_numbers(text: str, expected: set[tuple[str, str]]) -> None:
    assert fields(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2-2-1999", {(DATE_OF_BIRTH, "1999-02-02")}),
        ("12 05 90", {(DATE_OF_BIRTH, "1990-05-12")}),
        ("pasaporte A1234567 12 05 90", {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1990-05-12")}),
        (
            "mi pasaporte es 12 34 567 y nací el 2-2-1999",
            {(PASSPORT_NUMBER, "1234567"), (DATE_OF_BIRTH, "1999-02-02")},
        ),
        (
            "pasaporte ZX 44 55 667 05 03 1985",
            {(PASSPORT_NUMBER, "ZX4455667"), (DATE_OF_BIRTH, "1985-03-05")},
        ),
        # Spaced numbers on no calendar are left to the passport.
        ("my number is 12 34 5678", {(PASSPORT_NUMBER, "12345678")}),
        # On the calendar but in the future: no date, and no passport either.
        ("05 03 2030", set()),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_groups_do_not_swallow_a_date(
    language: str | None, text: str, expected: set[tuple[str, str]]
) -> None:
    assert fields(text, language) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hola 12 34 567",  # no cue, not the whole message
        "I have 2 kids and 3 dogs",
        "tengo 12 34 años",
        "my phone number is 12 34 567",
        "mi número de celular es 7123 4567",
        "+591 7123 4567",
        "vivo en la calle 12 número 3",  # too short once joined
    ],
)
def test_groups_that_are_not_passports(text: str) -> None:
    assert not [entity for entity in extract(text) if entity.entity == PASSPORT_NUMBER]


def test_a_number_after_is_does_not_win_over_one_after_a_passport_cue() -> None:
    text = "my passport is A1234567 and my husband's is B7654321"
    assert only(text, PASSPORT_NUMBER, "en").value == "A1234567"


@pytest.mark.parametrize(
    "text",
    [
        "Soy boliviana, mi pasaporte es A1234567 y nací el 3 de mayo del 88",
        "I'm Bolivian, passport #EA-1234567, born 05/03/1985, office in Santa Cruz",
    ],
)
def test_the_language_only_chooses_the_tokenizer(text: str) -> None:
    results = {language: fields(text, language) for language in (*LANGUAGES, "es-BO", "fr", "EN")}
    assert len(set(map(frozenset, results.values()))) == 1
    assert len(results["es"]) >= 3


def test_markup_is_ignored_and_offsets_still_fit_the_original() -> None:
    text = "<p>pasaporte <b>A1234567</b></p><br/>nací el 5 de marzo de 1985"
    assert fields(text) == {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1985-03-05")}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀🎉🇧🇴🇧🇴🇧",
        "\x00\u200b\ufeff",
        "<script>alert('A1234567')</script>",
        "<" * 5000 + ">" * 5000,
        "," * 10_000,
        "1" * 10_000,
        "5 " * 5_000,
        ("Soy boliviana, pasaporte A1234567, 3 de mayo del 88, La Paz. 😀 <b>x</b> " * 200)[:10_000],
        "ñ" * 300 + " A1234567",
    ],
)
@pytest.mark.parametrize("language", [*LANGUAGES, "xx", "🇧🇴"])
def test_odd_input_never_raises(language: str | None, text: str) -> None:
    extract(text, language)


def test_not_a_string_gives_nothing() -> None:
    assert extract_entities(None, "es") == []  # type: ignore[arg-type]
    assert extract_entities("A1234567", 3) != []  # type: ignore[arg-type]


def test_a_long_message_is_searched_to_the_end() -> None:
    text = "bla " * 2_400 + "pasaporte A1234567"
    assert only(text, PASSPORT_NUMBER).start == len(text) - len("A1234567")


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
