"""Reading nationalities and naming countries (bot.core.countries)."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from bot.core import countries
from bot.core.countries import COMMON_WORDS, country_name, parse_nationality
from bot.core.i18n import LANGUAGES, t
from bot.core.result import Result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Bolivia, every way
        ("Bolivia", "BOL"),
        ("bolivia", "BOL"),
        ("BOLIVIA", "BOL"),
        ("Bolivian", "BOL"),
        ("boliviano", "BOL"),
        ("boliviana", "BOL"),
        ("bolivianos", "BOL"),
        ("Bolivians", "BOL"),
        ("BO", "BOL"),
        ("bo", "BOL"),
        ("BOL", "BOL"),
        ("bol", "BOL"),
        ("soy boliviana", "BOL"),
        ("Soy de Bolivia", "BOL"),
        ("I'm Bolivian", "BOL"),
        ("I am a Bolivian citizen", "BOL"),
        ("mi nacionalidad es boliviana", "BOL"),
        ("Nacionalidad: boliviano, gracias", "BOL"),
        ("Estado Plurinacional de Bolivia", "BOL"),
        ("Bolivia, Estado plurinacional de", "BOL"),
        ("<b>Bolivia</b>", "BOL"),
        ("🇧🇴", "BOL"),
        # Neighbours and the region
        ("from Peru", "PER"),
        ("de Perú", "PER"),
        ("Peru", "PER"),
        ("peruano", "PER"),
        ("PE", "PER"),
        ("mexicana", "MEX"),
        ("Mexican", "MEX"),
        ("México", "MEX"),
        ("mx", "MEX"),
        ("colombiana", "COL"),
        ("venezolano", "VEN"),
        ("Venezuela", "VEN"),
        ("argentina", "ARG"),
        ("Argentinian", "ARG"),
        ("brasileña", "BRA"),
        ("Brazilian", "BRA"),
        ("Brasil", "BRA"),
        ("chilena", "CHL"),
        ("paraguayo", "PRY"),
        ("uruguaya", "URY"),
        ("ecuatoriano", "ECU"),
        ("cubana", "CUB"),
        ("dominicana", "DOM"),
        ("República Dominicana", "DOM"),
        ("Dominican", "DOM"),
        ("Dominica", "DMA"),
        ("haitiano", "HTI"),
        ("hondureña", "HND"),
        ("salvadoreño", "SLV"),
        ("El Salvador", "SLV"),
        ("soy de El Salvador", "SLV"),
        ("guatemalteca", "GTM"),
        ("nicaragüense", "NIC"),
        ("nicaraguense", "NIC"),
        ("costarricense", "CRI"),
        ("panameño", "PAN"),
        ("panameno", "PAN"),
        ("jamaiquina", "JAM"),
        ("Trinidad y Tobago", "TTO"),
        # United States
        ("estadounidense", "USA"),
        ("americano", "USA"),
        ("American", "USA"),
        ("USA", "USA"),
        ("U.S.A.", "USA"),
        ("US", "USA"),
        ("U.S.", "USA"),
        ("I'm from the US", "USA"),
        ("EEUU", "USA"),
        ("EE.UU.", "USA"),
        ("EE. UU.", "USA"),
        ("Estados Unidos", "USA"),
        ("United States", "USA"),
        ("United States of America", "USA"),
        ("Estados Unidos Mexicanos", "MEX"),
        # Elsewhere
        ("española", "ESP"),
        ("Spanish", "ESP"),
        ("España", "ESP"),
        ("ES", "ESP"),
        ("DE", "DEU"),
        ("alemanes", "DEU"),
        ("Germany", "DEU"),
        ("Chinese", "CHN"),
        ("china", "CHN"),
        ("coreano", "KOR"),
        ("Corea del Sur", "KOR"),
        ("South Korea", "KOR"),
        ("Korea", "KOR"),
        ("norcoreana", "PRK"),
        ("Corea del Norte", "PRK"),
        ("Reino Unido", "GBR"),
        ("UK", "GBR"),
        ("inglesa", "GBR"),
        ("British", "GBR"),
        ("japonés", "JPN"),
        ("francesas", "FRA"),
        ("portugués", "PRT"),
        ("italiano", "ITA"),
        ("canadiense", "CAN"),
        ("CAN", "CAN"),
        ("la India", "IND"),
        ("filipina", "PHL"),
        ("Rusia", "RUS"),
        ("Russian Federation", "RUS"),
        ("ucraniano", "UKR"),
        ("Países Bajos", "NLD"),
        ("The Bahamas", "BHS"),
        ("Congo", "COG"),
        ("República Democrática del Congo", "COD"),
        ("Costa de Marfil", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Belgian", "BEL"),
        ("belga", "BEL"),
        ("Swedish", "SWE"),
        ("sueca", "SWE"),
        ("Norwegian", "NOR"),
        ("noruego", "NOR"),
        ("Polish", "POL"),
        ("polacas", "POL"),
        ("Greek", "GRC"),
        ("griego", "GRC"),
        ("Egyptian", "EGY"),
        ("egipcia", "EGY"),
        ("suiza", "CHE"),
        ("danes", "DNK"),
        ("húngara", "HUN"),
        ("iraní", "IRN"),
        ("marroqui", "MAR"),
        ("nigeriano", "NGA"),
        ("Niger", "NER"),
        ("sudafricana", "ZAF"),
        ("tailandés", "THA"),
        ("Pakistani", "PAK"),
        ("neozelandesa", "NZL"),
        ("Czech", "CZE"),
        ("República Checa", "CZE"),
    ],
)
def test_reads_names_demonyms_and_codes(text: str, expected: str) -> None:
    assert parse_nationality(text) == Result(value=expected)


@pytest.mark.parametrize("word", sorted(COMMON_WORDS))
def test_common_words_in_lower_case_are_not_codes(word: str) -> None:
    assert parse_nationality(word).error == "errors.nationality_unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ME", "MNE"),
        ("IT", "ITA"),
        ("IN", "IND"),
        ("PER", "PER"),
        ("SUR", "SUR"),
        ("It", None),
        ("Us", None),
    ],
)
def test_common_words_in_capitals_are_codes(text: str, expected: str | None) -> None:
    assert parse_nationality(text).value == expected


@pytest.mark.parametrize("text", ["NO", "SI", "SÍ", "sí", "No", "ok", "OK"])
def test_yes_and_no_are_never_countries(text: str) -> None:
    assert parse_nationality(text).error == "errors.nationality_unknown"


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "asdf",
        "Bolivia y Perú",
        "latino",
        "Virgin Islands",
        "soy de",
        "i'm from the us",
        "😀",
        "🤷‍♀️",
        "<script>alert(1)</script>",
        "12345",
        "???",
    ],
)
def test_unknown_answers(text: str) -> None:
    assert parse_nationality(text) == Result(error="errors.nationality_unknown")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, "errors.empty"),
        ("", "errors.empty"),
        (" \n ", "errors.empty"),
        ("Bolivia " * 1_250, "errors.too_long"),
    ],
)
def test_empty_and_huge_input(text: str | None, error: str) -> None:
    assert parse_nationality(text).error == error


@pytest.mark.parametrize(
    ("code", "english", "spanish"),
    [
        ("BOL", "Bolivia", "Bolivia"),
        ("USA", "United States", "Estados Unidos"),
        ("VEN", "Venezuela", "Venezuela"),
        ("KOR", "South Korea", "Corea del Sur"),
        ("GBR", "United Kingdom", "Reino Unido"),
        ("MEX", "Mexico", "México"),
        ("PER", "Peru", "Perú"),
        ("RUS", "Russia", "Rusia"),
        ("VGB", "British Virgin Islands", "Islas Vírgenes Británicas"),
        ("COD", "Democratic Republic of the Congo", "República Democrática del Congo"),
        ("TUN", "Tunisia", "Túnez"),
        ("bol", "Bolivia", "Bolivia"),
        ("XXX", "XXX", "XXX"),
    ],
)
def test_country_name(code: str, english: str, spanish: str) -> None:
    assert country_name(code, "en") == english
    assert country_name(code, "es") == spanish


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_country_name_shown_is_read_back(language: str) -> None:
    read_back = {
        country.alpha_3: parse_nationality(country_name(country.alpha_3, language)).value
        for country in pycountry.countries
    }
    assert {code: found for code, found in read_back.items() if found != code} == {}


def test_a_demonym_claimed_by_two_countries_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "demonyms.yml"
    data.write_text("PER:\n  es: [peruano]\nBOL:\n  es: [peruanos]\n", encoding="utf-8")
    monkeypatch.setattr(countries, "DATA_FILE", data)
    countries._curated.cache_clear()
    countries._index.cache_clear()
    try:
        with pytest.raises(ValueError, match="peruanos"):
            countries._index()
    finally:
        countries._curated.cache_clear()
        countries._index.cache_clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rejection_renders_in_both_languages(language: str) -> None:
    result = parse_nationality("xyz")
    message = t(result.error, language, **result.params)
    assert message and "%{" not in message


def test_checar_is_not_a_nationality() -> None:
    # "checa"/"checo" are forms of "checar" (to check) in Latin American Spanish.
    assert parse_nationality("checa si ya estoy registrado").value is None


# --- misspelt nationalities (bot.core.spelling) ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("voliviano", "BOL"),
        ("bolibia", "BOL"),
        ("perúana", "PER"),
        ("Soy voliviana", "BOL"),
        ("soy de Bolibia", "BOL"),
        ("I am bolibian", "BOL"),
        ("nacionalidad: peruanna", "PER"),
        ("colonbiana", "COL"),
        ("arjentino", "ARG"),
        ("equatoriana", "ECU"),
        ("estados hunidos", "USA"),
        ("bolivain", "BOL"),
        ("mexciano", "MEX"),
        ("jermany", "DEU"),
    ],
)
def test_a_surely_misspelt_nationality_is_read(text: str, expected: str) -> None:
    assert parse_nationality(text) == Result(value=expected)


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("boliva", "BOL"),
        ("soy boliva", "BOL"),
        ("obliviano", "BOL"),
        ("perauno", "PER"),
        ("estado unido", "USA"),
    ],
)
def test_a_probably_misspelt_nationality_is_offered_not_taken(text: str, offered: str) -> None:
    assert parse_nationality(text) == Result(error="errors.nationality_unknown", alternative=offered)


@pytest.mark.parametrize(
    "text", ["asdfgh", "Narnia", "gracias", "hola", "médico", "gringo", "austrlian", "no sé", "ya me sirvió"]
)
def test_nonsense_and_everyday_words_are_no_misspelt_nationality(text: str) -> None:
    assert parse_nationality(text) == Result(error="errors.nationality_unknown")


def test_a_sentence_is_not_read_as_a_misspelt_name() -> None:
    # Only runs of up to four words are read by sound.
    assert parse_nationality("quiero saber si mi amigo voliviano puede venir") == Result(
        error="errors.nationality_unknown"
    )
