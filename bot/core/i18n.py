"""Renders user-visible text from locales/en.yml and locales/es.yml (python-i18n)."""

from __future__ import annotations

from typing import Any

import i18n

from bot.core.settings import PROJECT_ROOT

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = PROJECT_ROOT / "locales"

i18n.set("file_format", "yml")
i18n.set("filename_format", "{locale}.{format}")
i18n.set("fallback", DEFAULT_LANGUAGE)
i18n.set("enable_memoization", True)
i18n.set("error_on_missing_translation", True)
if str(LOCALES_DIR) not in i18n.load_path:
    i18n.load_path.append(str(LOCALES_DIR))


def normalise_language(language: str | None) -> str:
    """Maps None or an unsupported code to the default language."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, language: str | None, **params: Any) -> str:
    """The text for `key` in `language` (en or es), with %{placeholders} filled."""
    text: str = i18n.t(key, locale=normalise_language(language), **params)
    return text
