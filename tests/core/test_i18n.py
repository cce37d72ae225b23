"""The two locale files hold the same keys with the same placeholders, and every
key the code asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.core.i18n import LANGUAGES, LOCALES_DIR

PLACEHOLDER = re.compile(r"%\{(\w+)\}")
ROOT = Path(__file__).resolve().parents[2]


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def load(language: str) -> dict[str, str]:
    document = yaml.safe_load((LOCALES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    assert list(document) == [language]
    return flatten(document[language])


LOCALES = {language: load(language) for language in LANGUAGES}


def test_same_keys_in_every_language() -> None:
    english, spanish = LOCALES["en"], LOCALES["es"]
    assert sorted(set(english) - set(spanish)) == []
    assert sorted(set(spanish) - set(english)) == []


@pytest.mark.parametrize("key", sorted(LOCALES["en"]))
def test_same_placeholders_in_every_language(key: str) -> None:
    found = {language: sorted(PLACEHOLDER.findall(str(texts[key]))) for language, texts in LOCALES.items()}
    assert found["en"] == found["es"], key


def test_every_value_is_non_empty_text() -> None:
    for language, texts in LOCALES.items():
        empty = [key for key, value in texts.items() if not isinstance(value, str) or not value.strip()]
        assert empty == [], language


def test_spanish_is_not_a_copy_of_english() -> None:
    english, spanish = LOCALES["en"], LOCALES["es"]
    bilingual = {
        "greeting.bilingual",
        "language.ask",
        "language.english",
        "language.spanish",
        "location.office",
    }
    same = [key for key in english if english[key] == spanish[key] and key not in bilingual]
    assert same == []


def test_every_key_used_in_the_code_exists() -> None:
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r"""["']((?:[a-z_0-9]+\.)+[a-z_0-9]+)["']""", path.read_text()))
    top_level = {key.split(".")[0] for key in LOCALES["en"]}
    wanted = {key for key in used if key.split(".")[0] in top_level}
    assert len(wanted) > 40, "the scan of the code found too few keys to be meaningful"
    missing = sorted(key for key in wanted if key not in LOCALES["en"])
    assert missing == []
