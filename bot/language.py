"""Guesses whether a chat message is English or Spanish.

Short chat messages defeat statistical detectors ("hello" scores as Spanish), so
common marker words decide first and lingua (restricted to the two languages)
only judges longer text. Anything unclear, such as a number, a date, a passport
number, "ok" or an emoji, gives None: the caller keeps the language it has.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_MARKERS = {
    "en": {
        "hi", "hello", "hey", "good", "morning", "afternoon", "evening", "thanks", "thank",
        "please", "yes", "yeah", "need", "want", "help", "my", "i", "i'm", "im", "the",
        "what", "how", "where", "when", "english", "send", "documents", "passport",
        "registered", "account", "new", "start", "cancel", "is", "are", "do", "can",
    },
    "es": {
        "hola", "buenas", "buenos", "dias", "tardes", "noches", "gracias", "favor", "porfa",
        "si", "quiero", "necesito", "ayuda", "mi", "mis", "el", "la", "los", "las", "que",
        "como", "donde", "cuando", "espanol", "enviar", "mandar", "documentos", "pasaporte",
        "registrado", "registrada", "registre", "cuenta", "nuevo", "nueva", "empezar",
        "cancelar", "es", "soy", "tengo", "puede", "me", "de", "con", "para", "por",
    },
}
_WORD = re.compile(r"[a-z']+")
_MIN_LINGUA_WORDS = 3
_MIN_CONFIDENCE = 0.75


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def detect_language(text: str | None) -> str | None:
    """'en', 'es', or None when the message does not clearly show a language."""
    if not text:
        return None
    words = _WORD.findall(_fold(text[:500]))
    if not words:
        return None
    if any(ch in text for ch in "¿¡ñÑ"):
        return "es"
    scores = {lang: sum(word in markers for word in words) for lang, markers in _MARKERS.items()}
    if scores["en"] != scores["es"]:
        return max(scores, key=scores.__getitem__)
    if len(words) < _MIN_LINGUA_WORDS:
        return None
    confidence = _detector().compute_language_confidence_values(" ".join(words))[0]
    if confidence.value < _MIN_CONFIDENCE:
        return None
    return "en" if confidence.language == Language.ENGLISH else "es"
