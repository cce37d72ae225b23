"""The embassy profile: names, official links, courier and return offices of one embassy.

Everything that differs between embassies lives in a YAML file under profiles/ (see
profiles/us-embassy-la-paz.yml): also its time zone and the checklist of documents a
consular officer may ask for; this module loads and checks it, and finds the
offices a person means when they type a city, an office id or an office name, also
when they spell the city by its sound ("Cochavamba", "Santa Crus"; bot.core.spelling).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.core.settings import load_settings
from bot.core.spelling import MIN_KEY_LETTERS, Spelling, SpellingIndex, phonetic_key, words
from bot.core.text import fold

# Words around a city that are no part of it: "en Cochavamba por favor", "to Santa Crus".
CITY_FILLERS = frozenset(
    {
        "a",
        "al",
        "at",
        "ciudad",
        "city",
        "de",
        "del",
        "desde",
        "en",
        "favor",
        "i",
        "in",
        "office",
        "oficina",
        "please",
        "pls",
        "por",
        "porfa",
        "porfavor",
        "the",
        "to",
    }
)
# The longest city name, with a filler word on each side.
MAX_CITY_WORDS = 7
# The time zone of a profile that names none.
DEFAULT_TIMEZONE = "UTC"
# The document id stored when the person names a document that is not on the checklist;
# no checklist entry may use it.
OTHER_DOCUMENT = "other"
_CHECKLIST_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class ProfileError(ValueError):
    """The profile file is missing, is not YAML, or does not follow the schema."""


@dataclass(frozen=True)
class Office:
    id: str
    city: str
    name: str
    address: str


@dataclass(frozen=True)
class Contact:
    address: str
    phone: str
    email: str | None
    web: dict[str, str]


@dataclass(frozen=True)
class ChecklistItem:
    """A document a consular officer may ask for: its name and a one-sentence hint
    in each language, and the official page that describes it."""

    id: str
    name: dict[str, str]
    hint: dict[str, str]
    source: str

    def label(self, language: str) -> str:
        return _in_language(self.name, language)

    def hint_in(self, language: str) -> str:
        return _in_language(self.hint, language)


@dataclass(frozen=True)
class EmbassyProfile:
    id: str
    name: dict[str, str]
    official_page: dict[str, str]
    portal_name: str
    portal_url: str
    contact: Contact
    courier: str
    offices_are_samples: bool
    offices: tuple[Office, ...]
    city_aliases: dict[str, tuple[str, ...]]
    # An IANA time zone name ("America/La_Paz"): the embassy's "today".
    timezone: str = DEFAULT_TIMEZONE
    checklist: tuple[ChecklistItem, ...] = ()

    def display_name(self, language: str) -> str:
        return _in_language(self.name, language)

    def page(self, language: str) -> str:
        """The official page in `language`, or in English when there is none."""
        return _in_language(self.official_page, language)

    def office(self, office_id: str) -> Office | None:
        return next((office for office in self.offices if office.id == office_id), None)

    def checklist_item(self, item_id: str) -> ChecklistItem | None:
        return next((item for item in self.checklist if item.id == item_id), None)

    def cities(self) -> list[str]:
        """Distinct cities, in file order."""
        return list(dict.fromkeys(office.city for office in self.offices))

    def offices_in(self, city: str) -> list[Office]:
        return [office for office in self.offices if office.city == city]

    def match_offices(self, text: str) -> list[Office]:
        """The offices `text` refers to, in file order: every office of each city it
        names (or an alias of) or spells by sound ("cochavamba"), and each office
        whose id or name it contains.

        Ignores case, accents and punctuation; whole words only, so "La Paz" never
        matches "El Alto" and "Santa Cruz" matches "Santa Cruz de la Sierra".
        """
        typed = f" {_fold(text)} "
        sounds = f" {phonetic_key(text)} "

        def mentions(phrase: str) -> bool:
            folded = _fold(phrase)
            return bool(folded) and f" {folded} " in typed

        cities = {
            city
            for city in self.cities()
            if any(mentions(name) for name in self.city_names(city))
            or any(f" {key} " in sounds for key in self._city_keys[city])
        }
        return [
            office
            for office in self.offices
            if office.city in cities
            or any(mentions(key) for key in (office.id, _fold(office.id).replace(" ", ""), office.name))
        ]

    def city_names(self, city: str) -> tuple[str, ...]:
        """The city's name and its aliases."""
        return (city, *self.city_aliases.get(city, ()))

    def spelled_city(self, text: str) -> Spelling:
        """The city a short answer names with a spelling slip ("cochabmba", "lapaz",
        "en Oruru"), sure or probable (see bot.core.spelling); for answers that
        match_offices finds nothing in."""
        return self._city_spelling.match_runs(words(text), CITY_FILLERS, MAX_CITY_WORDS)

    def city_by_sound(self, keys: list[str]) -> str | None:
        """The city whose name or alias has these phonetic keys, one a word (those of
        "cochavamba", "santa crus"), when they have four letters or more."""
        key = " ".join(keys)
        if len(key.replace(" ", "")) < MIN_KEY_LETTERS:
            return None
        return self._city_spelling.by_sound(key)

    @cached_property
    def _city_keys(self) -> dict[str, tuple[str, ...]]:
        """Each city's phonetic keys (of its name and aliases) of four letters or more."""
        keys = {city: tuple(phonetic_key(name) for name in self.city_names(city)) for city in self.cities()}
        return {
            city: tuple(k for k in found if len(k.replace(" ", "")) >= MIN_KEY_LETTERS)
            for city, found in keys.items()
        }

    @cached_property
    def _city_spelling(self) -> SpellingIndex:
        return SpellingIndex({name: city for city in self.cities() for name in self.city_names(city)})


def load_profile(path: Path | str | None = None) -> EmbassyProfile:
    """Loads (once per path) the profile at `path`, by default the configured one.

    Raises ProfileError, naming the file and the problem, when it cannot be used.
    """
    return _load(Path(path if path is not None else load_settings().profile_path).resolve())


@functools.cache
def _load(path: Path) -> EmbassyProfile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read the embassy profile ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: the embassy profile is not valid YAML: {error}") from error
    try:
        return _parse(raw)
    except ProfileError as error:
        raise ProfileError(f"{path}: {error}") from None


def _parse(raw: Any) -> EmbassyProfile:
    root = _mapping(raw, "")
    portal = _mapping(root.get("portal"), "portal")
    contact = _mapping(root.get("contact"), "contact")
    official_page = _by_language(root, "official_page", "")
    offices = tuple(
        _office(entry, f"offices[{index}]")
        for index, entry in enumerate(_list(root.get("offices"), "offices"))
    )
    if not offices:
        raise ProfileError("'offices' must list at least one office")
    ids = [office.id for office in offices]
    duplicates = sorted({office_id for office_id in ids if ids.count(office_id) > 1})
    if duplicates:
        raise ProfileError(f"duplicate office ids: {', '.join(duplicates)}")
    samples = root.get("offices_are_samples")
    if not isinstance(samples, bool):
        raise ProfileError("'offices_are_samples' must be true or false")
    return EmbassyProfile(
        id=_text(root, "id", ""),
        name=_by_language(root, "name", ""),
        official_page=official_page,
        portal_name=_text(portal, "name", "portal"),
        portal_url=_text(portal, "url", "portal"),
        contact=Contact(
            address=_text(contact, "address", "contact"),
            phone=_text(contact, "phone", "contact"),
            email=_text(contact, "email", "contact") if "email" in contact else None,
            web=_by_language(contact, "web", "contact") if "web" in contact else official_page,
        ),
        courier=_text(root, "courier", ""),
        offices_are_samples=samples,
        offices=offices,
        city_aliases=_city_aliases(root.get("city_aliases", {}), {office.city for office in offices}),
        timezone=_timezone(root),
        checklist=_checklist(root.get("checklist", [])),
    )


def _timezone(root: dict[str, Any]) -> str:
    if "timezone" not in root:
        return DEFAULT_TIMEZONE
    name = _text(root, "timezone", "")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"'timezone' is not a known time zone: {name!r}") from None
    return name


def _checklist(raw: Any) -> tuple[ChecklistItem, ...]:
    items = tuple(
        _checklist_item(entry, f"checklist[{index}]") for index, entry in enumerate(_list(raw, "checklist"))
    )
    ids = [item.id for item in items]
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if duplicates:
        raise ProfileError(f"duplicate checklist ids: {', '.join(duplicates)}")
    return items


def _checklist_item(raw: Any, where: str) -> ChecklistItem:
    entry = _mapping(raw, where)
    item_id = _text(entry, "id", where)
    if not _CHECKLIST_ID.fullmatch(item_id) or item_id == OTHER_DOCUMENT:
        raise ProfileError(
            f"'{where}.id' must be 1 to 64 characters a-z, 0-9, '_' or '-', and not '{OTHER_DOCUMENT}'"
        )
    source = _text(entry, "source", where)
    if not source.startswith(("https://", "http://")):
        raise ProfileError(f"'{where}.source' must be a web address (https:// or http://)")
    languages = [language for language in LANGUAGES if language in entry]
    if DEFAULT_LANGUAGE not in languages:
        raise ProfileError(f"'{where}' needs a text in '{DEFAULT_LANGUAGE}'")
    return ChecklistItem(
        id=item_id,
        name={language: _text(entry, language, where) for language in languages},
        hint={language: _text(entry, f"{language}_hint", where) for language in languages},
        source=source,
    )


def _office(raw: Any, where: str) -> Office:
    entry = _mapping(raw, where)
    return Office(
        id=_text(entry, "id", where),
        city=_text(entry, "city", where),
        name=_text(entry, "name", where),
        address=_text(entry, "address", where),
    )


def _city_aliases(raw: Any, cities: set[str]) -> dict[str, tuple[str, ...]]:
    aliases = _mapping(raw, "city_aliases")
    unknown = sorted(str(city) for city in aliases if city not in cities)
    if unknown:
        raise ProfileError(f"'city_aliases' names cities without an office: {', '.join(unknown)}")
    result = {}
    for city, names in aliases.items():
        where = f"city_aliases.{city}"
        if not all(isinstance(name, str) and name.strip() for name in _list(names, where)):
            raise ProfileError(f"'{where}' must be a list of non-empty texts")
        result[city] = tuple(names)
    return result


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        what = f"'{where}'" if where else "the profile"
        raise ProfileError(f"{what} must be a mapping (key: value)")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProfileError(f"'{where}' must be a list")
    return value


def _text(mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"'{_path(where, key)}' is missing or is not a non-empty text")
    return value.strip()


def _by_language(mapping: dict[str, Any], key: str, where: str) -> dict[str, str]:
    """A {language: text} mapping, which must have the default language."""
    path = _path(where, key)
    texts = _mapping(mapping.get(key), path)
    if DEFAULT_LANGUAGE not in texts:
        raise ProfileError(f"'{path}' needs a text in '{DEFAULT_LANGUAGE}'")
    return {language: _text(texts, language, path) for language in texts}


def _in_language(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts[DEFAULT_LANGUAGE]


def _fold(text: str) -> str:
    """Lower case, accents removed, words of letters and digits joined by one space."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))
