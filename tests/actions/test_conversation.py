"""Questions, cancel, fallback and goodbye."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.actions.conversation import ActionAnswerQuestion, ActionCancel, ActionDefaultFallback, ActionGoodbye
from bot.actions.flow import FLOW_SLOTS
from bot.core.i18n import t

LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
EMBASSY = {"en": "U.S. Embassy in Testland", "es": "Embajada de los Estados Unidos en Testlandia"}
PAGE = {"en": "https://embassy.example.test/", "es": "https://embassy.example.test/es/"}
COURIER = "DHL Express"
START = "/request_courier"


def faq_params(key, language):
    """The placeholders each answer has, filled from the test profile."""
    return {
        "faq.221g": {},
        "faq.fee": {},
        "faq.return": {"courier": COURIER},
        "faq.bring": {"courier": COURIER},
        "faq.official_page": {"embassy": EMBASSY[language], "url": PAGE[language]},
        "faq.help": {"courier": COURIER},
        "faq.out_of_scope": {"courier": COURIER, "url": PAGE[language]},
        "faq.passport_number": {},
    }[key]


@pytest.fixture
def ask_question(make_tracker, run):
    def ask(intent, language, **tracker_args):
        tracker = make_tracker(text="a question", intent=intent, slots={"language": language}, **tracker_args)
        return run(ActionAnswerQuestion(), tracker)

    return ask


@LANGUAGES
@pytest.mark.parametrize(
    ("intent", "key"),
    [
        ("ask_221g", "faq.221g"),
        ("ask_fee", "faq.fee"),
        ("ask_return", "faq.return"),
        ("ask_what_to_bring", "faq.bring"),
        ("ask_official_page", "faq.official_page"),
        ("help", "faq.help"),
        ("out_of_scope", "faq.out_of_scope"),
        ("dont_know_passport", "faq.passport_number"),
        ("greet", "faq.help"),
    ],
)
def test_each_question_gets_its_answer_and_a_start_button(ask_question, intent, key, language):
    outcome = ask_question(intent, language)

    assert outcome.texts == [t(key, language, **faq_params(key, language))]
    assert "%{" not in outcome.texts[0]
    assert outcome.buttons() == [(t("buttons.start", language), START)]
    assert outcome.events == []


@LANGUAGES
def test_official_page_answer_links_the_page_in_the_language(ask_question, language):
    assert PAGE[language] in ask_question("ask_official_page", language).texts[0]


@LANGUAGES
def test_contact_lists_what_the_profile_has_with_the_official_page_as_web(
    ask_question, consular_contact, language
):
    outcome = ask_question("ask_contact", language)

    assert outcome.texts == [consular_contact(language)]
    assert outcome.texts[0].splitlines()[-1] == t("faq.contact_web", language, value=PAGE[language])
    assert outcome.buttons() == [(t("buttons.start", language), START)]


def test_contact_leaves_out_a_missing_email(ask_question, use_profile):
    use_profile(contact={"address": "1 Test Avenue, La Paz", "phone": "+591 2 000-0000"})

    text = ask_question("ask_contact", "en").texts[0]

    assert t("faq.contact_phone", "en", value="+591 2 000-0000") in text
    assert "Email" not in text


@LANGUAGES
def test_contact_shows_the_contact_web_page_of_the_profile(ask_question, use_profile, language):
    web = {"en": "https://contact.example.test/", "es": "https://contact.example.test/es/"}
    use_profile(contact={"address": "1 Test Avenue, La Paz", "phone": "+591 2 000-0000", "web": web})

    text = ask_question("ask_contact", language).texts[0]

    assert text.splitlines()[-1] == t("faq.contact_web", language, value=web[language])
    assert PAGE[language] not in text


@LANGUAGES
@pytest.mark.parametrize("intent", ["ask_fee", "ask_contact"])
def test_inside_a_form_the_answer_has_no_start_button(ask_question, intent, language):
    outcome = ask_question(intent, language, form="applicant_form", requested_slot="passport_number")

    assert len(outcome.messages) == 1
    assert outcome.buttons() == []


@LANGUAGES
@pytest.mark.parametrize(
    ("form", "requested_slot"), [("applicant_form", "passport_number"), ("location_form", "return_location")]
)
def test_not_knowing_the_passport_number_is_explained_inside_a_form(
    ask_question, language, form, requested_slot
):
    # The form then asks its pending question again (rules in data/rules/interruptions.yml).
    outcome = ask_question("dont_know_passport", language, form=form, requested_slot=requested_slot)

    assert outcome.texts == [t("faq.passport_number", language)]
    assert outcome.buttons() == []
    assert outcome.events == []


@LANGUAGES
def test_cancel_stops_the_form_and_forgets_every_detail(make_tracker, run, domain, language):
    tracker = make_tracker(
        text="cancel",
        intent="cancel",
        form="applicant_form",
        requested_slot="nationality",
        slots={
            "language": language,
            "registered": False,
            "passport_number": "A1234567",
            "date_of_birth": "1985-03-05",
            "date_confirmed": True,
            "notice_shown": True,
        },
    )

    outcome = run(ActionCancel(), tracker)

    assert outcome.events == [ActiveLoop(None)] + [SlotSet(slot, None) for slot in FLOW_SLOTS]
    assert outcome.slots == dict.fromkeys(set(domain["slots"]) - {"language"} | {"requested_slot"})
    assert outcome.texts == [t("cancel.done", language)]
    assert outcome.buttons() == [(t("buttons.start", language), START)]


@LANGUAGES
def test_fallback_inside_a_form_repeats_the_pending_question(make_tracker, run, language):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": language},
        form="applicant_form",
        requested_slot="passport_number",
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [t("fallback.not_understood", language), t("passport.ask", language)]
    assert outcome.events == []


def test_fallback_repeats_a_question_with_its_buttons_and_events(make_tracker, run):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": "es"},
        form="applicant_form",
        requested_slot="registered",
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [
        t("fallback.not_understood", "es"),
        t("registered.notice", "es"),
        t("registered.ask", "es"),
    ]
    assert [payload for _, payload in outcome.buttons()] == ["/already_registered", "/not_registered"]
    assert outcome.events == [SlotSet("notice_shown", True)]


def test_fallback_repeats_the_office_question(make_tracker, run):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": "en", "return_city": "La Paz"},
        form="location_form",
        requested_slot="return_location",
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts[0] == t("fallback.not_understood", "en")
    assert [payload for _, payload in outcome.buttons()] == ["LPZ-01", "LPZ-02"]


@LANGUAGES
@pytest.mark.parametrize("inside_form", [False, True], ids=["outside a form", "form without a question"])
def test_fallback_without_a_pending_question_shows_the_menu(make_tracker, run, language, inside_form):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": language},
        form="applicant_form" if inside_form else None,
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [
        t("fallback.not_understood", language),
        t("fallback.menu", language, courier=COURIER),
    ]
    assert outcome.buttons() == [
        (t("buttons.start", language), START),
        (t("buttons.help", language), "/help"),
    ]
    assert outcome.events == []


def test_fallback_in_an_unknown_language_records_nothing_and_answers_in_english(make_tracker, run):
    outcome = run(ActionDefaultFallback(), make_tracker(text="🙂", intent="nlu_fallback"))

    assert outcome.texts[0] == t("fallback.not_understood", "en")
    assert outcome.events == []


@LANGUAGES
def test_goodbye(make_tracker, run, language):
    outcome = run(ActionGoodbye(), make_tracker(text="bye", intent="goodbye", slots={"language": language}))

    assert outcome.texts == [t("goodbye.text", language)]
    assert outcome.events == []
