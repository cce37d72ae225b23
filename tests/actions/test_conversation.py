"""Questions, cancel, fallback and goodbye."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.actions.ask import AskAction
from bot.actions.conversation import (
    ActionAnswerQuestion,
    ActionCancel,
    ActionDefaultFallback,
    ActionGoodbye,
    ActionGreet,
)
from bot.actions.flow import FLOW_SLOTS
from bot.core.i18n import t
from bot.core.registry import Applicant, RegistryUnavailable

LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
EMBASSY = {"en": "U.S. Embassy in Testland", "es": "Embajada de los Estados Unidos en Testlandia"}
PAGE = {"en": "https://embassy.example.test/", "es": "https://embassy.example.test/es/"}
COURIER = "DHL Express"
START = "/request_courier"
ASK = {action.action_name: action for action in AskAction.__subclasses__()}
SUMMARY_SLOTS = {
    "passport_number": "A1234567",
    "date_of_birth": "1985-03-05",
    "date_confirmed": True,
    "nationality": "BOL",
}


def opening(key, language):
    """The text of `key` up to its first placeholder: what every message asking
    that question contains."""
    return t(key, language, date="\x00", office="\x00").split("\x00")[0].strip()


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
        "faq.courier_price": {"courier": COURIER, "embassy": EMBASSY[language], "url": PAGE[language]},
        "faq.return_time": {"courier": COURIER},
        "faq.what_to_do": {"courier": COURIER},
    }[key]


def bot_said(text, timestamp=1699999999.0):
    return {"event": "bot", "timestamp": timestamp, "text": text, "data": {}, "metadata": {}}


def action(name, timestamp=1699999999.0):
    return {"event": "action", "timestamp": timestamp, "name": name}


def earlier_greeting(language):
    """The events of a greeting earlier in the conversation (before the latest message)."""
    intro = t("greeting.intro", language, embassy=EMBASSY[language], courier=COURIER)
    return [action("action_greet"), bot_said(intro), action("applicant_form"), action("action_listen")]


def with_history(tracker, events):
    """`tracker` with `events` inserted before its latest message."""
    tracker.events[-1:-1] = events
    return tracker


@LANGUAGES
def test_the_first_greeting_introduces_the_assistant(make_tracker, run, language):
    outcome = run(ActionGreet(), make_tracker(text="hola", slots={"language": language}))

    assert outcome.texts == [t("greeting.intro", language, embassy=EMBASSY[language], courier=COURIER)]
    assert outcome.events == []


@LANGUAGES
@pytest.mark.parametrize(
    ("state", "history"),
    [
        ({"form": "applicant_form", "requested_slot": "passport_number"}, True),
        ({"form": "location_form", "requested_slot": "location_confirmed"}, True),
        # Older turns dropped by the tracker store: the form or the notice still show it.
        ({"form": "applicant_form", "requested_slot": "date_of_birth"}, False),
        ({"slots": {"notice_shown": True}}, False),
        # After a cancel or a finished confirmation (the flow's slots cleared).
        ({}, True),
    ],
    ids=[
        "inside the applicant form",
        "inside the office form",
        "form, older turns dropped",
        "notice shown",
        "flow over",
    ],
)
def test_a_later_greeting_says_nothing_and_leaves_the_turn_to_the_question(
    make_tracker, run, language, state, history
):
    state = dict(state)
    slots = {"language": language, **state.pop("slots", {})}
    tracker = make_tracker(text="hola" if language == "es" else "hello", slots=slots, **state)
    if history:
        with_history(tracker, earlier_greeting(language))

    outcome = run(ActionGreet(), tracker)

    assert outcome.messages == []
    assert outcome.events == []


@LANGUAGES
def test_a_hello_in_the_middle_of_the_form_resumes_with_the_pending_question(make_tracker, run, language):
    # Rules (data/rules/flow.yml): greet -> action_greet -> the active form, which asks
    # its pending question through action_ask_<slot>.
    def tracker(**after):
        return with_history(
            make_tracker(
                text="hola" if language == "es" else "hello",
                intent="greet",
                slots={"language": language, "notice_shown": True},
                form="applicant_form",
                requested_slot="registered",
                **after,
            ),
            earlier_greeting(language),
        )

    greeting = run(ActionGreet(), tracker())
    asked = run(
        ASK["action_ask_registered"](),
        tracker(after_message=[action("action_greet", 1700000001.0)], slot_events={}),
    )

    assert greeting.messages == []
    assert asked.texts == [t("registered.ask", language)]
    assert len(asked.buttons()) == 2


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
        ("ask_return", "faq.return"),
        ("ask_what_to_bring", "faq.bring"),
        ("ask_official_page", "faq.official_page"),
        ("help", "faq.help"),
        ("out_of_scope", "faq.out_of_scope"),
        ("dont_know_passport", "faq.passport_number"),
        ("greet", "faq.help"),
        ("ask_courier_price", "faq.courier_price"),
        ("ask_return_time", "faq.return_time"),
    ],
)
def test_each_question_gets_its_answer_and_a_start_button(ask_question, intent, key, language):
    earlier = {"event": "user", "timestamp": 1700000000.5, "text": "hola", "parse_data": {}}
    outcome = ask_question(intent, language, after_message=[earlier])

    assert outcome.texts == [t(key, language, **faq_params(key, language))]
    assert "%{" not in outcome.texts[0]
    assert outcome.buttons() == [(t("buttons.start", language), START)]
    assert outcome.events == []


@LANGUAGES
def test_help_as_the_first_message_is_the_welcome_with_start_and_questions(ask_question, language):
    outcome = ask_question("help", language)

    assert outcome.texts == [t("welcome.menu", language)]
    assert outcome.buttons() == [
        (t("buttons.start", language), START),
        (t("welcome.ask_221g", language), "/ask_221g"),
        (t("welcome.ask_fee", language), "/ask_fee"),
        (t("welcome.ask_what_to_do", language), "/ask_what_to_do"),
    ]


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


# What the sources do not say, what to do, and answers after the confirmation


@LANGUAGES
def test_a_fee_question_keeps_the_fee_rule_and_says_the_courier_price_is_not_known(ask_question, language):
    outcome = ask_question("ask_fee", language)

    assert outcome.texts == [t("faq.fee", language) + "\n" + t("faq.fee_courier", language, courier=COURIER)]
    assert outcome.buttons() == [(t("buttons.start", language), START)]


@LANGUAGES
def test_the_courier_price_is_not_invented_and_the_official_page_is_given(ask_question, language):
    text = ask_question("ask_courier_price", language).texts[0]

    assert PAGE[language] in text
    assert t("faq.fee", language) not in text
    assert not any(character.isdigit() for character in text.replace(PAGE[language], ""))


@LANGUAGES
def test_a_return_date_is_never_promised(ask_question, language):
    text = ask_question("ask_return_time", language).texts[0]

    assert text != t("faq.return", language, courier=COURIER)
    assert COURIER in text
    assert not any(character.isdigit() for character in text)


@LANGUAGES
def test_what_to_do_gives_the_steps_and_offers_to_start_now(ask_question, language):
    outcome = ask_question("ask_what_to_do", language)

    assert outcome.texts == [
        t("faq.what_to_do", language, courier=COURIER) + "\n" + t("faq.what_to_do_start", language)
    ]
    assert outcome.buttons() == [(t("buttons.start", language), START)]
    assert outcome.events == []


@LANGUAGES
@pytest.mark.parametrize(
    ("form", "requested_slot"), [("applicant_form", "date_of_birth"), ("location_form", "return_location")]
)
def test_what_to_do_inside_a_form_gives_the_steps_and_goes_on(ask_question, language, form, requested_slot):
    # The form then asks its pending question (rules in data/rules/interruptions.yml).
    outcome = ask_question("ask_what_to_do", language, form=form, requested_slot=requested_slot)

    assert outcome.texts == [
        t("faq.what_to_do", language, courier=COURIER) + "\n" + t("faq.what_to_do_continue", language)
    ]
    assert outcome.buttons() == []
    assert outcome.events == []


@pytest.fixture
def confirmed(isolated_services, proof_for):
    """A registration with its confirmation, and the slot that says this conversation
    issued it (as action_issue_confirmation leaves it)."""
    registration, _ = isolated_services.registry.register(Applicant("A1234567", "1985-03-05", "BOL"))
    confirmation = isolated_services.registry.issue_confirmation(registration.id, "PTS-01", "en")
    return confirmation, {"confirmed_registration": proof_for(registration.id)}


def reminder(confirmation, language, public_url):
    return t(
        "faq.confirmation_reminder",
        language,
        number=confirmation.number,
        link=f"{public_url}/confirmation/{confirmation.token}",
        courier=COURIER,
    )


@LANGUAGES
@pytest.mark.parametrize(
    ("intent", "key"),
    [("ask_what_to_bring", "faq.bring"), ("ask_return_time", "faq.return_time"), ("help", "faq.help")],
)
def test_after_the_confirmation_answers_refer_to_it_instead_of_offering_to_start(
    make_tracker, run, confirmed, public_url, language, intent, key
):
    confirmation, slots = confirmed
    tracker = make_tracker(text="a question", intent=intent, slots={"language": language, **slots})

    outcome = run(ActionAnswerQuestion(), tracker)

    expected = t(key, language, **faq_params(key, language))
    assert outcome.texts == [expected + "\n" + reminder(confirmation, language, public_url)]
    assert outcome.buttons() == []
    assert outcome.events == []


@LANGUAGES
def test_after_the_confirmation_what_to_do_says_what_is_left(
    make_tracker, run, confirmed, public_url, language
):
    confirmation, slots = confirmed
    tracker = make_tracker(text="what now", intent="ask_what_to_do", slots={"language": language, **slots})

    outcome = run(ActionAnswerQuestion(), tracker)

    assert outcome.texts == [
        t("faq.what_to_do_done", language, courier=COURIER)
        + "\n"
        + reminder(confirmation, language, public_url)
    ]
    assert outcome.buttons() == []


def test_another_conversations_confirmation_is_not_referred_to(make_tracker, run, confirmed, proof_for):
    confirmation, _ = confirmed
    slots = {
        "language": "en",
        "confirmed_registration": proof_for(confirmation.registration_id, "someone-else"),
    }

    outcome = run(
        ActionAnswerQuestion(), make_tracker(text="what do I bring", intent="ask_what_to_bring", slots=slots)
    )

    assert confirmation.number not in outcome.texts[0]
    assert outcome.buttons() == [(t("buttons.start", "en"), START)]


def test_a_deleted_confirmation_is_not_referred_to(make_tracker, run, confirmed, isolated_services):
    confirmation, slots = confirmed
    isolated_services.registry.delete(Applicant("A1234567", "1985-03-05", "BOL"))

    outcome = run(
        ActionAnswerQuestion(), make_tracker(intent="ask_what_to_do", slots={"language": "en", **slots})
    )

    assert confirmation.number not in outcome.texts[0]
    assert outcome.texts[0].startswith(t("faq.what_to_do", "en", courier=COURIER))
    assert outcome.buttons() == [(t("buttons.start", "en"), START)]


def test_with_the_database_down_after_the_confirmation_start_is_not_offered(
    make_tracker, run, confirmed, isolated_services, monkeypatch
):
    _, slots = confirmed

    def unavailable(registration_id):
        raise RegistryUnavailable("the database is unavailable (test)")

    monkeypatch.setattr(isolated_services.registry, "confirmation_for", unavailable)
    outcome = run(ActionAnswerQuestion(), make_tracker(intent="ask_fee", slots={"language": "es", **slots}))

    assert outcome.texts == [t("faq.fee", "es") + "\n" + t("faq.fee_courier", "es", courier=COURIER)]
    assert outcome.buttons() == []


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
def test_cancel_before_any_detail_says_none_was_given(make_tracker, run, language):
    tracker = make_tracker(
        text="cancel",
        intent="cancel",
        form="applicant_form",
        requested_slot="registered",
        slots={"language": language},
    )

    outcome = run(ActionCancel(), tracker)

    assert outcome.texts == [t("cancel.nothing", language)]
    assert outcome.events == [ActiveLoop(None)] + [SlotSet(slot, None) for slot in FLOW_SLOTS]


@LANGUAGES
def test_cancel_after_the_registration_was_saved_says_it_stays(
    make_tracker, run, isolated_services, proof_for, language
):
    applicant = Applicant("A1234567", "1985-03-05", "BOL")
    registration, _ = isolated_services.registry.register(applicant)
    tracker = make_tracker(
        text="cancel",
        intent="cancel",
        form="location_form",
        requested_slot="return_location",
        slots={**SUMMARY_SLOTS, "language": language, "registration_id": proof_for(registration.id)},
    )

    outcome = run(ActionCancel(), tracker)

    assert outcome.texts == [t("cancel.registration_kept", language, courier=COURIER)]
    assert outcome.buttons() == [(t("buttons.start", language), START)]
    assert outcome.events == [ActiveLoop(None)] + [SlotSet(slot, None) for slot in FLOW_SLOTS]
    assert isolated_services.registry.find(applicant) == registration


@LANGUAGES
def test_cancel_after_the_confirmation_says_it_and_its_link_stay(
    make_tracker, run, confirmed, isolated_services, language
):
    confirmation, slots = confirmed

    outcome = run(
        ActionCancel(), make_tracker(text="cancel", intent="cancel", slots={"language": language, **slots})
    )

    assert outcome.texts == [t("cancel.confirmation_kept", language, courier=COURIER)]
    assert outcome.buttons() == []
    assert outcome.slots["confirmed_registration"] is None
    assert isolated_services.registry.confirmation_by_token(confirmation.token) == confirmation


def test_cancel_with_a_forged_registration_slot_says_nothing_was_registered(make_tracker, run):
    slots = {**SUMMARY_SLOTS, "language": "en", "registration_id": "1.forged"}

    outcome = run(ActionCancel(), make_tracker(text="cancel", intent="cancel", slots=slots))

    assert outcome.texts == [t("cancel.done", "en")]


# After the fallback inside a form, Rasa runs the form again: the fallback's rule is a
# general one ("after the fallback, wait for the person"), and RulePolicy turns its
# action_listen into the active form when a form is active (rasa/core/policies/
# rule_policy.py, `predicted_listen_from_general_rule`). The form, not coming from
# action_listen, validates nothing and asks its requested slot through action_ask_<slot>.
# So the person's turn is: the fallback's messages, then the ask action's.
PENDING_QUESTIONS = [
    ("applicant_form", "registered", "registered.ask", {"notice_shown": True}),
    (
        "applicant_form",
        "date_confirmed",
        "dob.confirm",
        {"date_of_birth": "1985-03-05", "date_alternative": "1985-05-03"},
    ),
    ("applicant_form", "details_confirmed", "summary.ask", {"registered": False, **SUMMARY_SLOTS}),
    (
        "location_form",
        "location_confirmed",
        "location.confirm",
        {"return_location": "PTS-01", "return_city": "Potosí"},
    ),
    ("applicant_form", "passport_number", "passport.ask", {}),
]


def fallback_turn(make_tracker, run, language, form, slot, slots):
    """What the person gets after a message not understood while `form` waits for
    `slot`: the fallback, then the question the form asks again."""
    state = {"slots": {"language": language, **slots}, "form": form, "requested_slot": slot}
    fallback = run(ActionDefaultFallback(), make_tracker(text="qwerty", intent="nlu_fallback", **state))
    after_fallback = [{"event": "action", "timestamp": 1700000001.0, "name": "action_default_fallback"}]
    after_fallback += [{"event": "slot", "timestamp": 1700000001.0, **event} for event in fallback.events]
    asked = run(
        ASK[f"action_ask_{slot}"](),
        make_tracker(
            text="qwerty", intent="nlu_fallback", after_message=after_fallback, slot_events={}, **state
        ),
    )
    return fallback, asked


def occurrences(question, texts):
    return sum(question in text for text in texts)


@LANGUAGES
@pytest.mark.parametrize(
    ("form", "slot", "key", "slots"), PENDING_QUESTIONS, ids=[q[1] for q in PENDING_QUESTIONS]
)
def test_after_a_fallback_inside_a_form_the_pending_question_is_asked_once(
    make_tracker, run, language, form, slot, key, slots
):
    fallback, asked = fallback_turn(make_tracker, run, language, form, slot, slots)
    texts = fallback.texts + asked.texts

    assert texts[0].startswith(t("fallback.not_understood", language))
    assert occurrences(opening(key, language), texts) == 1
    # The question's buttons come once, with the question.
    assert not any(message["buttons"] for message in fallback.messages)
    assert bool(asked.messages[-1]["buttons"]) == (slot != "passport_number")


@LANGUAGES
def test_fallback_inside_a_form_says_only_that_and_leaves_the_question_to_the_form(
    make_tracker, run, language
):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": language},
        form="applicant_form",
        requested_slot="passport_number",
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [t("fallback.not_understood", language)]
    assert outcome.buttons() == []
    assert outcome.events == []


@LANGUAGES
@pytest.mark.parametrize(
    ("slot", "hint"),
    [
        ("registered", "registered.hint"),
        ("date_confirmed", "dob.hint"),
        ("details_confirmed", "summary.hint"),
        ("location_confirmed", "location.hint"),
    ],
)
def test_fallback_at_a_question_with_buttons_says_how_to_answer_it(make_tracker, run, language, slot, hint):
    tracker = make_tracker(
        text="qwerty",
        intent="nlu_fallback",
        slots={"language": language},
        form="location_form" if slot == "location_confirmed" else "applicant_form",
        requested_slot=slot,
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [f"{t('fallback.not_understood', language)} {t(hint, language)}"]
    assert outcome.buttons() == []
    assert outcome.events == []


def test_after_a_fallback_the_registered_question_comes_once_with_the_notice_once(make_tracker, run):
    fallback, asked = fallback_turn(make_tracker, run, "es", "applicant_form", "registered", {})

    assert fallback.texts == [f"{t('fallback.not_understood', 'es')} {t('registered.hint', 'es')}"]
    assert asked.texts == [t("registered.notice", "es"), t("registered.ask", "es")]
    assert [payload for _, payload in asked.buttons()] == ["/already_registered", "/not_registered"]
    assert fallback.events == [] and asked.events == [SlotSet("notice_shown", True)]


def test_after_a_fallback_the_office_question_comes_once_with_its_buttons(make_tracker, run):
    fallback, asked = fallback_turn(
        make_tracker, run, "en", "location_form", "return_location", {"return_city": "La Paz"}
    )

    assert fallback.texts == [t("fallback.not_understood", "en")]
    assert [message for message in fallback.messages if message["buttons"]] == []
    assert [payload for _, payload in asked.buttons()] == ["LPZ-01", "LPZ-02"]


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


@LANGUAGES
@pytest.mark.parametrize(("offered", "intent"), [(True, "affirm"), (False, "affirm"), (True, "nlu_fallback")])
def test_a_yes_to_the_start_offer_starts_the_flow(make_tracker, run, language, offered, intent):
    text = "sí, empecemos ahora" if language == "es" else "yes lets do it now"
    tracker = make_tracker(text=text, intent=intent, slots={"language": language})
    buttons = [{"title": t("buttons.start", language), "payload": START}] if offered else []
    user_at = max(i for i, event in enumerate(tracker.events) if event["event"] == "user")
    tracker.events.insert(user_at, {"event": "bot", "text": "…", "data": {"buttons": buttons}})

    outcome = run(ActionDefaultFallback(), tracker)

    starts = offered and intent == "affirm"
    followups = [event["name"] for event in outcome.events if event["event"] == "followup"]
    assert followups == (["applicant_form"] if starts else [])
    if starts:
        assert t("fallback.not_understood", language) not in outcome.texts
    else:
        assert outcome.texts[0] == t("fallback.not_understood", language)
