"""Tests for bot.core.profile: loading the embassy profile and matching what people type to offices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.profile import DEFAULT_TIMEZONE, OTHER_DOCUMENT, EmbassyProfile, ProfileError, load_profile
from bot.core.settings import DEFAULT_PROFILE
from bot.core.spelling import NO_MATCH, Spelling, Sureness

EXPECTED_OFFICES = {
    "LPZ-01": "La Paz",
    "EAL-01": "El Alto",
    "SCZ-01": "Santa Cruz de la Sierra",
    "CBB-01": "Cochabamba",
    "SRE-01": "Sucre",
    "ORU-01": "Oruro",
    "PTS-01": "Potosí",
    "TJA-01": "Tarija",
    "TDD-01": "Trinidad",
    "CIJ-01": "Cobija",
}


CHECKLIST_ENTRY = {
    "id": "passport",
    "en": "Valid passport",
    "es": "Pasaporte vigente",
    "en_hint": "Your passport.",
    "es_hint": "Su pasaporte.",
    "source": "https://example.org/passport",
}


def minimal_profile(**changes: Any) -> dict[str, Any]:
    """A valid profile as data; `changes` replace top-level keys (None removes one)."""
    data: dict[str, Any] = {
        "id": "test-embassy",
        "name": {"en": "Test Embassy", "es": "Embajada de prueba"},
        "official_page": {"en": "https://example.org/", "es": "https://example.org/es/"},
        "portal": {"name": "Test Portal", "url": "https://portal.example.org/"},
        "contact": {"address": "1 Test Street", "phone": "+1 555 0100"},
        "courier": "DHL",
        "city_aliases": {"Santa Cruz de la Sierra": ["Santa Cruz"]},
        "offices_are_samples": True,
        "offices": [
            {"id": "SCZ-01", "city": "Santa Cruz de la Sierra", "name": "DHL Norte", "address": "Sample A"},
            {"id": "LPZ-01", "city": "La Paz", "name": "DHL Centro", "address": "Sample B"},
            {"id": "SCZ-02", "city": "Santa Cruz de la Sierra", "name": "DHL Sur", "address": "Sample C"},
        ],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def write_profile(tmp_path: Path, data: Any, name: str = "profile.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def profile() -> EmbassyProfile:
    return load_profile(DEFAULT_PROFILE)


def test_default_profile_describes_the_embassy_in_la_paz(profile: EmbassyProfile) -> None:
    assert profile.id == "us-embassy-la-paz"
    assert profile.display_name("en") == "U.S. Embassy in La Paz, Bolivia"
    assert profile.display_name("es") == "Embajada de los Estados Unidos en La Paz, Bolivia"
    assert profile.page("en") == "https://bo.usembassy.gov/"
    assert profile.page("es") == "https://bo.usembassy.gov/es/"
    assert profile.portal_name == "CSC Visa Information Service"
    assert profile.portal_url.startswith("https://")
    assert profile.courier == "DHL"
    assert profile.contact.address.startswith("Av. Arce 2780")
    assert profile.contact.phone == "+591 2 216-8000"
    assert profile.contact.email is None
    assert profile.contact.web == profile.official_page


def test_language_without_a_text_falls_back_to_english(profile: EmbassyProfile) -> None:
    assert profile.page("fr") == profile.page("en")
    assert profile.display_name("qu") == profile.display_name("en")


def test_default_profile_has_one_labelled_sample_office_per_city(profile: EmbassyProfile) -> None:
    assert profile.offices_are_samples is True
    assert {office.id: office.city for office in profile.offices} == EXPECTED_OFFICES
    assert profile.cities() == list(EXPECTED_OFFICES.values())
    for office in profile.offices:
        assert "sample office / oficina de ejemplo" in office.name
        assert office.address.startswith("Sample address")
        assert profile.office(office.id) == office
        assert profile.offices_in(office.city) == [office]


def test_unknown_office_and_city(profile: EmbassyProfile) -> None:
    assert profile.office("XXX-99") is None
    assert profile.office("lpz-01") is None  # ids are exact; match_offices is the forgiving one
    assert profile.offices_in("Lima") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("potosi", ["PTS-01"]),
        ("POTOSÍ", ["PTS-01"]),
        ("Potosí", ["PTS-01"]),
        ("la paz", ["LPZ-01"]),
        ("LA PAZ!", ["LPZ-01"]),
        ("el alto", ["EAL-01"]),
        ("santa cruz", ["SCZ-01"]),
        ("Santa Cruz de la Sierra", ["SCZ-01"]),
        ("scz", ["SCZ-01"]),
        ("cbba", ["CBB-01"]),
        ("Beni", ["TDD-01"]),
        ("en cochabamba por favor", ["CBB-01"]),
        ("Quiero recogerlo en Sucre.", ["SRE-01"]),
        ("me queda más cerca Tarija", ["TJA-01"]),
        ("send it to el alto", ["EAL-01"]),
        ("I live in Oruro, thanks", ["ORU-01"]),
        ("the Trinidad office please", ["TDD-01"]),
        ("LPZ-01", ["LPZ-01"]),
        ("lpz 01", ["LPZ-01"]),
        ("cij01", ["CIJ-01"]),
        ("DHL – Cobija (sample office / oficina de ejemplo)", ["CIJ-01"]),
        ("dhl - cobija (sample office)", ["CIJ-01"]),
        ("La Paz o El Alto", ["LPZ-01", "EAL-01"]),
    ],
)
def test_match_offices(profile: EmbassyProfile, text: str, expected: list[str]) -> None:
    assert [office.id for office in profile.match_offices(text)] == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "asdfgh", "yes", "Lima", "paz", "santa", "alto", "LPZ-02", "potosino", "cochabambino"]
)
def test_nonsense_and_partial_words_match_nothing(profile: EmbassyProfile, text: str) -> None:
    assert profile.match_offices(text) == []


def test_la_paz_never_matches_el_alto(profile: EmbassyProfile) -> None:
    assert "EAL-01" not in [office.id for office in profile.match_offices("La Paz, Bolivia")]
    assert "LPZ-01" not in [office.id for office in profile.match_offices("El Alto")]


def test_city_with_several_offices_returns_all_of_them(tmp_path: Path) -> None:
    profile = load_profile(write_profile(tmp_path, minimal_profile()))
    assert profile.cities() == ["Santa Cruz de la Sierra", "La Paz"]
    assert [office.id for office in profile.offices_in("Santa Cruz de la Sierra")] == ["SCZ-01", "SCZ-02"]
    assert [office.id for office in profile.match_offices("en santa cruz")] == ["SCZ-01", "SCZ-02"]
    assert [office.id for office in profile.match_offices("DHL Sur")] == ["SCZ-02"]
    assert [office.id for office in profile.match_offices("scz-02")] == ["SCZ-02"]


def test_optional_contact_fields_are_read(tmp_path: Path) -> None:
    contact = {
        "address": "1 Test Street",
        "phone": "+1 555 0100",
        "email": "consular@example.org",
        "web": {"en": "https://example.org/contact", "es": "https://example.org/es/contacto"},
    }
    profile = load_profile(write_profile(tmp_path, minimal_profile(contact=contact, city_aliases=None)))
    assert profile.contact.email == "consular@example.org"
    assert profile.contact.web["es"] == "https://example.org/es/contacto"
    assert profile.city_aliases == {}


def test_load_profile_is_cached_per_path(tmp_path: Path) -> None:
    first = write_profile(tmp_path, minimal_profile(id="first"), "first.yml")
    second = write_profile(tmp_path, minimal_profile(id="second"), "second.yml")
    assert load_profile(first) is load_profile(str(first))
    assert load_profile(second).id == "second"


def test_load_profile_defaults_to_the_configured_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOT_SECRET_KEY", "test")
    monkeypatch.setenv("EMBASSY_PROFILE", str(write_profile(tmp_path, minimal_profile(id="configured"))))
    assert load_profile().id == "configured"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["a", "list"], "the profile must be a mapping"),
        (minimal_profile(id=None), "'id' is missing"),
        (minimal_profile(name={"es": "Solo español"}), "'name' needs a text in 'en'"),
        (minimal_profile(official_page="https://example.org/"), "'official_page' must be a mapping"),
        (minimal_profile(portal={"name": "Portal"}), "'portal.url' is missing"),
        (minimal_profile(contact={"address": "Somewhere", "phone": ""}), "'contact.phone' is missing"),
        (minimal_profile(offices=[]), "at least one office"),
        (minimal_profile(offices=[{"id": "A", "city": "X", "name": "N"}]), "'offices[0].address' is missing"),
        (
            minimal_profile(offices=[{"id": "A", "city": "La Paz", "name": "N", "address": "S"}] * 2),
            "duplicate office ids: A",
        ),
        (minimal_profile(offices_are_samples="yes"), "'offices_are_samples' must be true or false"),
        (minimal_profile(city_aliases={"Lima": ["Lim"]}), "cities without an office: Lima"),
        (minimal_profile(city_aliases={"La Paz": "LP"}), "'city_aliases.La Paz' must be a list"),
        (minimal_profile(timezone="Bolivia/Somewhere"), "'timezone' is not a known time zone"),
        (minimal_profile(timezone=""), "'timezone' is missing"),
        (minimal_profile(checklist={"id": "passport"}), "'checklist' must be a list"),
        (minimal_profile(checklist=[{**CHECKLIST_ENTRY, "id": "other"}]), "and not 'other'"),
        (minimal_profile(checklist=[{**CHECKLIST_ENTRY, "id": "Pass port"}]), "'checklist[0].id' must be"),
        (minimal_profile(checklist=[CHECKLIST_ENTRY, CHECKLIST_ENTRY]), "duplicate checklist ids: passport"),
        (
            minimal_profile(checklist=[{**CHECKLIST_ENTRY, "es_hint": ""}]),
            "'checklist[0].es_hint' is missing",
        ),
        (minimal_profile(checklist=[{**CHECKLIST_ENTRY, "en": None}]), "'checklist[0].en' is missing"),
        (
            minimal_profile(checklist=[{k: v for k, v in CHECKLIST_ENTRY.items() if k != "en"}]),
            "'checklist[0]' needs a text in 'en'",
        ),
        (
            minimal_profile(checklist=[{**CHECKLIST_ENTRY, "source": "travel.state.gov"}]),
            "must be a web address",
        ),
    ],
)
def test_malformed_profile_gives_a_clear_error(tmp_path: Path, data: Any, message: str) -> None:
    path = write_profile(tmp_path, data)
    with pytest.raises(ProfileError, match="^" + str(path)) as raised:
        load_profile(path)
    assert message in str(raised.value)


def test_invalid_yaml_and_missing_file_give_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(broken)
    with pytest.raises(ProfileError, match="cannot read the embassy profile"):
        load_profile(tmp_path / "missing.yml")


# --- cities spelt by their sound, and with slips (bot.core.spelling) ---------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cochavamba", ["CBB-01"]),
        ("Cochabamva", ["CBB-01"]),
        ("en cochabanba por favor", ["CBB-01"]),
        ("santa crus", ["SCZ-01"]),
        ("zanta kruz de la siera", ["SCZ-01"]),
        ("la pas", ["LPZ-01"]),
        ("a el alto", ["EAL-01"]),
        ("potossi", ["PTS-01"]),
        ("sukre", ["SRE-01"]),
        ("covija", ["CIJ-01"]),
        ("chukisaka", ["SRE-01"]),
        ("en Cocha porfa", ["CBB-01"]),  # what Bolivians call Cochabamba
        ("Sta. Cruz", ["SCZ-01"]),
    ],
)
def test_match_offices_hears_a_city_spelt_by_its_sound(
    profile: EmbassyProfile, text: str, expected: list[str]
) -> None:
    assert [office.id for office in profile.match_offices(text)] == expected


@pytest.mark.parametrize(
    ("text", "city", "sureness"),
    [
        ("cochabmba", "Cochabamba", Sureness.SURE),  # one slip in eight letters or more
        ("santacruz", "Santa Cruz de la Sierra", Sureness.SURE),
        ("en lapaz porfa", "La Paz", Sureness.SURE),
        ("tarixa", "Tarija", Sureness.PROBABLE),
        ("oruru", "Oruro", Sureness.PROBABLE),
        ("in trinida please", "Trinidad", Sureness.PROBABLE),
    ],
)
def test_spelled_city(profile: EmbassyProfile, text: str, city: str, sureness: Sureness) -> None:
    assert profile.match_offices(text) == []
    assert profile.spelled_city(text) == Spelling(city, sureness)


@pytest.mark.parametrize(
    "text",
    ["asdfgh", "yes", "sí", "Lima", "Tokyo", "tarifa", "corrija", "paz", "I want to send my documents"],
)
def test_nonsense_is_no_spelled_city(profile: EmbassyProfile, text: str) -> None:
    assert profile.spelled_city(text) == NO_MATCH


def test_city_by_sound_needs_four_letters_and_one_city(profile: EmbassyProfile) -> None:
    assert profile.city_by_sound(["santa", "krus"]) == "Santa Cruz de la Sierra"
    assert profile.city_by_sound(["kba"]) is None  # "q va" sounds like "cbba"
    assert profile.city_by_sound(["lima"]) is None


# --- time zone and checklist ------------------------------------------------------------


def test_default_profile_has_the_embassys_time_zone_and_a_checklist(profile: EmbassyProfile) -> None:
    assert profile.timezone == "America/La_Paz"
    ids = [item.id for item in profile.checklist]
    assert {"passport", "birth_certificate", "police_certificate"} <= set(ids)
    assert len(ids) == len(set(ids)) and OTHER_DOCUMENT not in ids
    for item in profile.checklist:
        for language in ("en", "es"):
            assert item.label(language) and item.hint_in(language).endswith(".")
        assert item.label("en") != item.label("es")
        assert item.source.startswith(("https://", "http://"))
    passport = profile.checklist_item("passport")
    assert passport is not None
    assert (passport.label("en"), passport.label("es")) == ("Valid passport", "Pasaporte vigente")
    assert passport.label("fr") == "Valid passport"
    assert profile.checklist_item("other") is None


def test_time_zone_and_checklist_are_optional(tmp_path: Path) -> None:
    profile = load_profile(write_profile(tmp_path, minimal_profile()))
    assert (profile.timezone, profile.checklist) == (DEFAULT_TIMEZONE, ())


def test_checklist_entry_is_read_in_both_languages(tmp_path: Path) -> None:
    data = minimal_profile(timezone="America/La_Paz", checklist=[CHECKLIST_ENTRY])
    profile = load_profile(write_profile(tmp_path, data))
    (item,) = profile.checklist
    assert item.id == "passport"
    assert item.name == {"en": "Valid passport", "es": "Pasaporte vigente"}
    assert item.hint == {"en": "Your passport.", "es": "Su pasaporte."}
    assert item.source == "https://example.org/passport"
    assert profile.timezone == "America/La_Paz"
