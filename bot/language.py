"""Tells whether a chat message is English or Spanish, and spots explicit language requests.

Short chat messages defeat statistical detectors ("hello" scores as Spanish,
"Juan Pérez" as surely Spanish), so `detect_language` goes in four steps:

1. What shows no language is set aside: markup, links, e-mail addresses, button
   payloads ("/affirm"), tokens with a digit (numbers, dates, passport numbers),
   month names and the "de"/"of" around them, place names made of common words
   ("La Paz", "Santa Cruz de la Sierra", "Estados Unidos"), runs of two or more
   capitalised unknown words (names: "Juan Pérez", "Ana María de la Cruz"), and
   the words both languages use for short answers ("ok", "ya", "si", "no").
2. Each distinct remaining word found in the word lists scores for its language:
   2 for most words ("hola", "porfa", "nomás", "need", "I"), 1 for weak ones:
   articles and prepositions that also sit inside names and dates ("de la",
   "the 5th of"), the names of the languages, and the portal's nouns, which people
   quote in the other language ("necesito el confirmation page"). A set phrase
   ("buenos días", "thank you") counts as one word. Typos are forgiven by
   squeezing stretched letters ("holaaa") and, for Spanish, by spelling by sound
   ("nesesito", "kiero", "grasias"). "¿" or "¡" adds 1 to Spanish.
3. When at least three words are left and one of them, other than a name
   connector ("de", "la"), was recognised, lingua (English and Spanish only,
   built once on first use) judges them all, unrecognised ones included (typos,
   rarer words), and adds 2 to the language it is at least 80 % sure of.
4. A language wins when it has at least 1.5 times the other language's score and
   something that decides: a word scoring 2, or lingua's vote together with a
   recognised word of its own ("perdí la carta"). Lingua alone never decides: it
   reads "el tracking no me sale" as English and lower-case names ("maria del
   carmen lopez") as Spanish. So a mixed message goes by its dominant language
   ("hola, I need help" is English, "necesito el confirmation page" Spanish), a
   balanced one ("gracias, thanks", "hello, buenos días") gives None, and so does
   anything unclear: the caller keeps the language it has, or asks.

`wants_language` is the other question: which language the person asks for
("en inglés porfa" is Spanish text asking for English).

Only the first `MAX_CHARS` characters are read, and neither function raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.core.text import fold

MAX_CHARS = 2000
_STRONG = 2
_WEAK = 1
_DOMINANCE = 1.5
_MIN_LINGUA_WORDS = 3
_MIN_LINGUA_CONFIDENCE = 0.8

# Folded: lower case, no accents, no apostrophes ("I'm" -> "im", "días" -> "dias").
# Weak words also turn up inside names and dates ("de la", "the 5th of"), name a
# language, or are the portal's nouns, which people quote in the other language
# ("el confirmation page").
_WORDS = {
    "en": {
        _STRONG: """
            about absolutely after afternoon again all already alright also another answer
            any anybody anymore anyone anything approved are arent ask asked available
            awesome back bc be because been before being born bring brought but call called
            cancel cannot cant cause change changed check checked closed closest coming cool
            correct could couldnt course created cuz dad daughter day days definitely denied
            did didnt do does doesnt done dont even evening everyone everything exactly
            excellent exit family father find fine first found free gave get gets getting
            give go going gonna good goodbye got gotta great greetings guys had happen
            happened has hasnt have havent hello help helped her here hi him his hiya hour
            hours how howdy hows husband hw i idk if ill im incorrect is isnt issue it its
            ive just keep know last later let lets live living long look looking made make
            many married may maybe mean means might mine mistake mom money month months more
            morning most mother much must my nah nearest need needed needs never nevermind
            new next night nope not nothing now nvm old only open other our ours paid pay
            people perfect pick picked please pls plz price print printed problem question
            quit ready really receive received recieve recieved refused request requested
            restart retry right said same saw say says see send sending sent she should
            signed since so some someone something soon start started still stop sure take
            tell than thank thanks thanx that thats their them then there these they theyre
            thing things think this thnks thnx those thought thx time tnks tnx today told
            tomorrow too took tried try ty understand until ur urgent use used very wait
            waited waiting wanna want wanted wants was wasnt wat way we week weeks welcome
            went were what whats when where wheres which who whom whose wht why wife will
            wont work worked working works worries would wouldnt wrong yeah year years yep
            yes yesterday yet you your youre yours yup
        """,
        _WEAK: """
            account address am an and appointment as at birth by bye case confirmation
            consulate date document documents embassy english fee for form from hey in
            interview letter number of office on or package page papers passport phone r
            sorry spanish the to u with
        """,
    },
    "es": {
        _STRONG: """
            abierta abierto abre aca acuerdo adios agencia ahi ahora ahorita algo alguien
            alguna alguno alla alo ano anos antes anular aprobada aprobado apurese aqui asi
            atiende aun aver ayer ayuda ayudar ayudeme ayudenme basta bien buen buena buenas
            bueno buenos buscar busco cambiar cambio cancela cancelar casada casado cercana
            cercano chaito chao chau chuta ciudad claro coincide como consulta correcta
            correcto cosa creo cual cuales cuando cuanta cuantas cuanto cuantos cuesta
            cuestan cuidese dale debe debo decir demora desde despues detener devolver
            devuelve devuelven dia dias dice dicen digame dijeron dijo dime dinero disculpa
            disculpe domicilio donde duda ella ellos empezar encontrar encuentro entender
            entendi entendida entendido entiendo entonces entre entrega enviame enviar
            enviaron envie envieme envio equivocado equivoque era eres es esperando esperar
            espere espero esposa esposo esta estamos estan estoy exacto excelente explicame
            familia favor fue fui funciona genial gente gracias grax habia habla hablar
            hable hablo hace hacemos hacer hago han harto hasta hay hemos hice hija hijo
            hizo hoja hola holi hora hoy idioma imprimir imprimo incorrecto informacion
            inscribi intentar intento joven le les listo llamar llamo llega llegar llego
            llevar llevo lo luego mal mama manana mandado mandame mandamos mandar mandaron
            mande mandeme mando mas mejor menos mes meses mi mira mire mis misma mismo mucha
            muchas mucho muchos muy naci nacida nacido nacio nada nadie necesita necesitamos
            necesitan necesito negada negado noches nomas nop nos nosotros nueva nuevamente
            nuevo nunca oiga ola olvidalo olvide onda opciones otra otro oye pagar pago
            pague papa pasa pasado paso pasos pedido perdon perfecto pero persona piden
            pidieron plata plis podria porfa porfavor porfis porq porque pq precio pregunta
            preguntar primera problema pronto pue puede pueden puedo pues q que queria quien
            quiere quiero quisiera rechazada recibi recibimos recibio recibir recoger recojo
            registrada registrado registrar registrarme registre reiniciar responde
            respuesta sabados sabe saber salir saludos se seguir segura seguro semana
            semanas senor senora senorita serio servicio siempre sigue sin sip sirve sobre
            solo somos soy su supuesto sus tal tambien tampoco tanto tarda tardan tardes te
            tenemos tengo tenia terminar tiempo tiene tienen tmb toda todas todavia todo
            todos tu ud uds ultimo urgente usted ustedes va vale vamos veo ver vez vi viajar
            vivo volver vos voy wena wenas weno xfa xfavor xq yo
        """,
        _WEAK: """
            al carta caso castellano cita con confirmacion consulado correo cuenta de del
            direccion documento documentos el embajada en enlace entrevista espanol fecha
            formulario ingles la las los nacimiento numero oficina pagina papeles paquete
            para pasaporte por solicitud telefono tramite un una unas unos van y
        """,
    },
}


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that show no language on their own: short answers both sides type, and
# words both languages use.
_NEUTRAL = _word_set(
    """
    ok okay okey oki k ya si no a o me he son come once final hotel email mail link online web
    pdf dhl visa usa us id ha jaja jajaja haha lol xd mm mmm hmm ah oh eh uh
    """
)
_MONTHS = _word_set(
    """
    january february march april june july august september october november december jan feb
    apr jun jul aug sep sept oct nov dec enero febrero marzo abril mayo junio julio agosto
    septiembre setiembre octubre noviembre diciembre ene abr dic
    """
)
# A month only next to a number ("May 5"); otherwise the verb ("may I ask").
_MONTHS_NEXT_TO_NUMBERS = _word_set("may")
_DATE_CONNECTORS = _word_set("de del of the el")
# Inside a run of capitalised unknown words these belong to the name ("Cruz de la Sierra").
_NAME_CONNECTORS = _word_set("de del la las los el y da do dos van von")
# Place names made of common words (one-word places are in no word list anyway).
_PLACES = """
    santa cruz de la sierra, la paz, el alto, santa cruz, buenos aires, estados unidos,
    united states, el salvador, costa rica, puerto rico, republica dominicana,
    dominican republic, reino unido, united kingdom, new york, nueva york, los angeles,
    las vegas, san jose, san salvador, santo domingo, ciudad de mexico, mexico city,
    la habana, new jersey
"""
# Counted as one word, so "hello, buenos días" is as balanced as "hello, hola".
_SET_PHRASES = """
    buenos dias, buen dia, buenas tardes, buenas noches, muchas gracias, por favor, que tal,
    good morning, good afternoon, good evening, good night, thank you, thank u, thanks a lot
"""

_PAYLOAD = re.compile(r"/\w+(?:\{.*\})?", re.DOTALL)
_NOISE = re.compile(r"<[^>]*>|&#?\w+;|https?://\S+|www\.\S+|\S+@\S+")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPANISH_PUNCTUATION = frozenset("¿¡")


def _head(text: str) -> str:
    """The first MAX_CHARS characters, without a word cut in two at the end."""
    end = min(len(text), MAX_CHARS)
    if end < len(text):
        while end > 0 and text[end].isalnum() and text[end - 1].isalnum():
            end -= 1
    return text[:end]


def _fold(typed: str) -> str:
    """Lower case, no accents, no apostrophes: "Días" -> "dias", "I'm" -> "im"."""
    return fold(re.sub(r"['’]", "", typed))


def _build_lexicon() -> dict[str, tuple[str, int]]:
    """Folded word -> (language, weight); a word in both languages or also neutral is a mistake."""
    lexicon: dict[str, tuple[str, int]] = {}
    for language, weights in _WORDS.items():
        for weight, words in weights.items():
            for word in words.split():
                if word in lexicon or word in _NEUTRAL:
                    raise ValueError(f"language word lists: {word!r} is listed twice")
                lexicon[word] = (language, weight)
    return lexicon


_LEXICON = _build_lexicon()


def _phrases() -> dict[str, list[tuple[tuple[str, ...], int | None]]]:
    """First word -> (words, index of the word that counts); a place has none: it counts for nothing."""
    places = [(tuple(place.split()), None) for place in _PLACES.split(",")]
    set_phrases = [
        (words, max(range(len(words)), key=lambda i: _LEXICON.get(words[i], ("", 0))[1]))
        for words in (tuple(phrase.split()) for phrase in _SET_PHRASES.split(","))
    ]
    by_first_word: dict[str, list[tuple[tuple[str, ...], int | None]]] = {}
    for words, counted in places + set_phrases:
        by_first_word.setdefault(words[0], []).append((words, counted))
    return by_first_word


_PHRASES = _phrases()


def _sound(word: str) -> str:
    """Spanish spelled by sound: "necesito" and "nesesito", "quiero" and "kiero" meet."""
    word = re.sub(r"qu(?=[ei])|c(?![eih])", "k", word)
    word = re.sub(r"c(?=[ei])|z", "s", word)
    word = re.sub(r"(?<!c)h", "", word.replace("ll", "y").replace("v", "b"))
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=1)
def _spanish_sounds() -> dict[str, int]:
    return {
        _sound(word): weight
        for word, (language, weight) in _LEXICON.items()
        if language == "es" and len(word) >= 4
    }


def _spellings(word: str) -> Iterator[str]:
    """The word, then with stretched letters squeezed ("holaaa", "thankss")."""
    yield word
    yield re.sub(r"(.)\1{2,}", r"\1", word)
    yield re.sub(r"(.)\1+", r"\1", word)


def _recognise(word: str) -> tuple[str, int] | None:
    """(language, weight) of a listed word, forgiving stretched letters and Spanish spelling by sound."""
    for spelling in _spellings(word):
        if spelling in _LEXICON:
            return _LEXICON[spelling]
    if len(word) >= 4 and (weight := _spanish_sounds().get(_sound(word))):
        return "es", weight
    return None


class _Token:
    """A word as typed, folded, and whether it is set aside (step 1)."""

    __slots__ = ("ignored", "number", "typed", "word")

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self.word = _fold(typed)
        self.number = any(c.isdigit() for c in typed)
        self.ignored = self.number or self.word in _NEUTRAL

    @property
    def capitalised(self) -> bool:
        return self.typed[0].isupper() and not self.typed.isupper()


def _ignore_phrases(tokens: list[_Token]) -> None:
    words = [token.word for token in tokens]
    for start, first in enumerate(words):
        for phrase, counted in _PHRASES.get(first, ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                for offset, token in enumerate(tokens[start : start + len(phrase)]):
                    token.ignored = token.ignored or offset != counted


def _ignore_dates(tokens: list[_Token]) -> None:
    """Month names and the connectors next to them or to numbers ("5 de marzo de 1985")."""
    for index, token in enumerate(tokens):
        neighbours = tokens[max(index - 1, 0) : index] + tokens[index + 1 : index + 2]
        next_to_number = any(other.number for other in neighbours)
        if token.word in _MONTHS or (token.word in _MONTHS_NEXT_TO_NUMBERS and next_to_number):
            token.ignored = True
            for other in neighbours:
                other.ignored = other.ignored or other.word in _DATE_CONNECTORS
        elif next_to_number and token.word in _DATE_CONNECTORS:
            token.ignored = True


def _ignore_names(tokens: list[_Token]) -> None:
    """Runs of two or more capitalised words with an unknown one are names ("Juan Pérez", "La Paz")."""

    def unknown_capitalised(token: _Token) -> bool:
        return token.capitalised and _recognise(token.word) is None

    run: list[_Token] = []
    for token in [*tokens, None]:
        if token is not None and (unknown_capitalised(token) or token.word in _NAME_CONNECTORS):
            run.append(token)
            continue
        while run and not run[0].capitalised:
            run.pop(0)
        while run and not run[-1].capitalised:
            run.pop()
        if len(run) >= 2 and any(unknown_capitalised(part) for part in run):
            for part in run:
                part.ignored = True
        run = []


def _words(text: str) -> list[str]:
    """The folded words of `text` that are not set aside (step 1)."""
    tokens = [_Token(typed) for typed in _TOKEN.findall(_NOISE.sub(" ", text))]
    _ignore_phrases(tokens)
    _ignore_dates(tokens)
    _ignore_names(tokens)
    return [token.word for token in tokens if not token.ignored]


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def _lingua_vote(words: list[str]) -> str | None:
    confidence = _detector().compute_language_confidence_values(" ".join(words))[0]
    if confidence.value < _MIN_LINGUA_CONFIDENCE:
        return None
    return "en" if confidence.language == Language.ENGLISH else "es"


def _scores(words: list[str], text: str) -> tuple[dict[str, int], set[str]]:
    """Each language's score, and the languages with a word that may decide (steps 2 and 3)."""
    scores = {"en": 0, "es": 0}
    deciding: set[str] = set()
    # Languages with a recognised word other than "de", "la"...: lingua may confirm them.
    shown: set[str] = set()
    for word in dict.fromkeys(words):
        found = _recognise(word)
        if found:
            language, weight = found
            scores[language] += weight
            if weight == _STRONG:
                deciding.add(language)
            if word not in _NAME_CONNECTORS:
                shown.add(language)
    if words and _SPANISH_PUNCTUATION.intersection(text):
        scores["es"] += _WEAK
    if len(words) >= _MIN_LINGUA_WORDS and shown:
        voted = _lingua_vote(words)
        if voted:
            scores[voted] += _STRONG
            deciding.update(shown & {voted})
    return scores, deciding


def detect_language(text: str | None) -> str | None:
    """'en', 'es', or None when the message does not clearly show a language (see the module doc)."""
    if not isinstance(text, str) or _PAYLOAD.fullmatch(text.strip()):
        return None
    text = _head(text)
    scores, deciding = _scores(_words(text), text)
    winner, loser = sorted(scores, key=scores.__getitem__, reverse=True)
    if winner in deciding and scores[winner] >= _DOMINANCE * scores[loser]:
        return winner
    return None


_LANGUAGE_NAMES = {"english": "en", "ingles": "en", "spanish": "es", "espanol": "es", "castellano": "es"}
# Asking to be spoken to, written to or answered in a language, or to switch to it.
_REQUEST_VERBS = _word_set(
    """
    speak talk write answer reply respond switch change continue use prefer hablo hablar hable
    hableme hablame hablemos escriba escribame escribir responda responder conteste contestar
    cambiar cambie cambia seguir sigamos continuar prefiero
    """
)
_PREPOSITIONS = _word_set("in en")
# Words that may sit around a bare language name: "English please", "español porfa".
_FILLERS = _word_set("please pls plz porfa por favor thanks gracias ok okay yes si hi hello hola only solo")
_NEGATIONS = _word_set("no not dont doesnt cant cannot never nunca")
_ABILITIES = _word_set("speak understand read know talk write hablo entiendo leo se manejo hablar entender")
_NEGATION_REACH = 4


def _named_language(word: str) -> str | None:
    return next((_LANGUAGE_NAMES[s] for s in _spellings(word) if s in _LANGUAGE_NAMES), None)


def _not_able(before: list[str]) -> bool:
    """ "I don't speak", "no entiendo": the person cannot use the language named next."""
    return bool(_NEGATIONS.intersection(before)) and bool(_ABILITIES.intersection(before))


def wants_language(text: str | None) -> str | None:
    """The language the message asks for ("in English please", "no hablo inglés" -> 'es'), or None.

    A language name counts as a request when it is alone or with courtesy words
    ("english", "español porfa"), follows "in"/"en" ("en inglés"), or comes with a
    verb of speaking, writing, answering or switching ("¿me puede hablar en
    español?"). "I don't speak English" / "no entiendo inglés" ask for the other
    language. Naming both languages, or a language in passing ("mi esposo habla
    inglés"), gives None.
    """
    if not isinstance(text, str):
        return None
    words = [_fold(typed) for typed in _TOKEN.findall(_head(text))]
    wanted: set[str] = set()
    requested = bool(_REQUEST_VERBS.intersection(words))
    previous_name = -1
    for index, word in enumerate(words):
        language = _named_language(word)
        if language is None:
            continue
        # "no entiendo inglés, en español": the negation reaches the first name only.
        before = words[max(index - _NEGATION_REACH, previous_name + 1) : index]
        previous_name = index
        if _not_able(before):
            language = "es" if language == "en" else "en"
            requested = True
        requested = requested or (index > 0 and words[index - 1] in _PREPOSITIONS)
        wanted.add(language)
    others = [word for word in words if _named_language(word) is None]
    requested = requested or all(word in _FILLERS for word in others)
    return wanted.pop() if len(wanted) == 1 and requested else None
