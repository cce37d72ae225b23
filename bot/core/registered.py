"""Whether a message says the person registered before ("first time", "ya me registré").

Used on any message of the applicant form, so an opening message that says it together
with the other answers is not asked again. Doubt ("no sé si ya me registré", "not sure
if I registered") and anything unclear give None: the question is then asked.
"""

from __future__ import annotations

import re

from bot.core.text import fold

# Folded text (lower case, no accents); "registr" covers registered/registrado/registre…
_DOUBT = re.compile(
    r"\b(?:no (?:se|estoy segur[oa]|recuerdo|me acuerdo)|not sure|dont know|don't know|"
    r"do not know|dont remember|don't remember|do not remember|cant remember|can't remember|"
    r"maybe|tal vez|quiza|quizas|creo que)\b"
)
_NEW = re.compile(
    r"\b(?:(?:my |mi |es (?:mi |la )?|is (?:my )?|for the )?(?:first|1st|primera|1ra|1era) (?:time|vez)|"
    r"never (?:been )?registered|not registered|havent registered|haven't registered|"
    r"have not registered|didnt register|didn't register|did not register|im new|i'm new|"
    r"nunca me (?:he )?registr\w*|no me (?:he )?registr\w*|no estoy registrad[oa]|"
    r"no tengo (?:cuenta|registro)|soy nuev[oa]|nuev[oa] aqui|new here|new user|nuevo registro)\b"
)
_KNOWN = re.compile(
    r"\b(?:already (?:registered|have an account|signed up)|(?<!never )(?<!not )registered (?:before|already|last)|"
    r"i (?:have )?registered|im registered|i'm registered|i am registered|have an account|"
    r"ya (?:me )?(?:he )?registr\w*|ya estoy registrad[oa]|ya tengo (?:cuenta|registro)|"
    r"(?<!no )me registr\w* (?:antes|el|la|hace)|(?<!no )estoy registrad[oa]|ya me inscrib\w*)\b"
)


def expresses_doubt(text: str | None) -> bool:
    """Whether the text says the person does not know or remember ("no me acuerdo",
    "not sure", "creo que")."""
    return bool(_DOUBT.search(fold(text or "")[:500]))


def said_registered(text: str | None) -> bool | None:
    """True when the text says the person registered before, False when it says this
    is their first time, None when it says neither clearly (or both)."""
    folded = fold(text or "")[:500]
    if expresses_doubt(folded):
        return None
    new, known = bool(_NEW.search(folded)), bool(_KNOWN.search(folded))
    if new == known:
        return None
    return known
