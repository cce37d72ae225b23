"""The likely language of a phone number, from its country calling code.

Used only as a starting guess when the person has not chosen a language: a
WhatsApp message from +591 (Bolivia) gets its first reply in Spanish. Countries
where neither English nor Spanish is the usual language give None, and the
assistant then reads the language from the message or asks.

ITU country codes are a prefix code, so the longest matching prefix decides. The
North American Numbering Plan (+1) shares one code between countries; there the
area code tells the Spanish-speaking ones (Dominican Republic, Puerto Rico) apart.
"""

from __future__ import annotations

import re

_SPANISH = (
    "34",  # Spain
    "51",
    "52",
    "53",
    "54",
    "56",
    "57",
    "58",  # Peru, Mexico, Cuba, Argentina, Chile, Colombia, Venezuela
    "240",  # Equatorial Guinea
    "502",
    "503",
    "504",
    "505",
    "506",
    "507",  # Guatemala … Panama
    "591",
    "593",
    "595",
    "598",  # Bolivia, Ecuador, Paraguay, Uruguay
    "1809",
    "1829",
    "1849",  # Dominican Republic
    "1787",
    "1939",  # Puerto Rico
)
_ENGLISH = (
    "1",  # the rest of the NANP: United States, Canada, English-speaking Caribbean
    "44",
    "61",
    "64",
    "353",  # United Kingdom, Australia, New Zealand, Ireland
    "27",
    "233",
    "234",
    "254",  # South Africa, Ghana, Nigeria, Kenya
    "256",
    "260",
    "263",  # Uganda, Zambia, Zimbabwe
    "500",
    "501",
    "592",  # Falkland Islands, Belize, Guyana
)
LANGUAGE_BY_PREFIX: dict[str, str] = {
    **{prefix: "en" for prefix in _ENGLISH},
    **{prefix: "es" for prefix in _SPANISH},
}
_LONGEST_PREFIX = max(len(prefix) for prefix in LANGUAGE_BY_PREFIX)
_E164 = re.compile(r"^\+?(\d{6,15})$")


def language_for_number(number: str) -> str | None:
    """ "en", "es" or None for an international number such as "+59171234567"."""
    match = _E164.match(number.strip())
    if not match:
        return None
    digits = match.group(1)
    for length in range(_LONGEST_PREFIX, 0, -1):
        language = LANGUAGE_BY_PREFIX.get(digits[:length])
        if language:
            return language
    return None
