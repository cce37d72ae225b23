"""The deadline and checklist offered after the confirmation (bot/actions/extras.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from rasa_sdk.events import FollowupAction

from bot.actions.ask import ActionAskDocumentsDone
from bot.actions.conversation import ActionDefaultFallback
from bot.actions.extras import UNKNOWN, ActionSaveExtras, ValidateExtrasForm, offered_extras
from bot.actions.prompts import NO, YES
from bot.core.deadline import today_in
from bot.core.i18n import t

FORM = "extras_form"


@pytest.fixture
def form() -> ValidateExtrasForm:
    return ValidateExtrasForm()


def offer(language: str) -> dict:
    """The offer as the assistant's latest message (a bot event)."""
    buttons = [
        {"title": t("extras.yes", language), "payload": YES},
        {"title": t("extras.no", language), "payload": NO},
    ]
    return {
        "event": "bot",
        "timestamp": 1700000001.5,
        "text": t("extras.offer", language),
        "data": {"buttons": buttons},
    }


# --- the interview date -----------------------------------------------------------------


def test_a_date_gets_its_deadline(make_tracker, validate, form):
    interview = today_in("America/La_Paz") - timedelta(days=100)
    typed = f"{interview.day}/{interview.month}/{interview.year}"

    outcome = validate(form, "interview_date", typed, make_tracker(slots={"language": "en"}))

    assert outcome.slots == {"interview_date": interview.isoformat()}
    deadline = interview.replace(year=interview.year + 1)
    assert str(deadline.year) in outcome.texts[0]


@pytest.mark.parametrize("value", [UNKNOWN, "no me acuerdo", "I don't remember"])
def test_not_remembering_is_fine(make_tracker, validate, form, value):
    outcome = validate(form, "interview_date", value, make_tracker(slots={"language": "es"}))

    assert outcome.slots == {"interview_date": UNKNOWN}
    assert outcome.texts == [t("extras.no_date", "es")]


def test_a_date_said_with_some_doubt_is_still_the_date(make_tracker, validate, form):
    interview = today_in("America/La_Paz") - timedelta(days=100)
    typed = f"no sé, creo que fue el {interview.day}/{interview.month}/{interview.year}"

    outcome = validate(form, "interview_date", typed, make_tracker(slots={"language": "es"}))

    assert outcome.slots == {"interview_date": interview.isoformat()}


def test_a_future_date_is_explained_and_asked_again(make_tracker, validate, form):
    future = today_in("America/La_Paz") + timedelta(days=40)

    outcome = validate(form, "interview_date", future.isoformat(), make_tracker(slots={"language": "en"}))

    assert outcome.slots == {"interview_date": None}
    assert outcome.texts == [t("deadline.interview_future", "en")]


# --- the documents ----------------------------------------------------------------------


def test_documents_named_are_added_once(make_tracker, validate, form):
    tracker = make_tracker(slots={"language": "es", "documents": ["police_certificate"]})

    outcome = validate(
        form, "documents_done", "certificado de antecedentes y el certificado de nacimiento", tracker
    )

    assert outcome.slots == {"documents": ["police_certificate", "birth_certificate"], "documents_done": None}
    assert outcome.texts == [
        t("extras.added", "es", documents="Certificado de antecedentes, Certificado de nacimiento")
    ]


def test_a_document_not_on_the_list_is_noted_as_other_without_its_words(make_tracker, validate, form):
    outcome = validate(
        form, "documents_done", "carta de Juan Pérez 12345", make_tracker(slots={"language": "es"})
    )

    assert outcome.slots == {"documents": ["other"], "documents_done": None}
    assert outcome.texts == [t("extras.other", "es")]


def test_thats_all_ends_the_list(make_tracker, validate, form):
    assert validate(form, "documents_done", True, make_tracker()).slots == {"documents_done": True}


@pytest.mark.parametrize("slot", ["interview_date", "documents_done"])
def test_a_fallback_at_either_question_says_how_to_answer_and_leaves_it_to_the_form(make_tracker, run, slot):
    tracker = make_tracker(
        text="qwerty", intent="nlu_fallback", slots={"language": "es"}, form=FORM, requested_slot=slot
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert outcome.texts == [f"{t('fallback.not_understood', 'es')} {t('extras.hint', 'es')}"]
    assert outcome.buttons() == []


def test_the_question_offers_the_documents_not_chosen_yet_and_thats_all(make_tracker, run):
    tracker = make_tracker(slots={"language": "en", "documents": ["police_certificate"]})

    outcome = run(ActionAskDocumentsDone(), tracker)

    assert outcome.buttons() == [("Birth certificate", "Birth certificate"), (t("extras.done", "en"), YES)]
    assert t("extras.chosen", "en", documents="Police certificate") in outcome.texts[0]


# --- the offer and saving ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_yes_to_the_offer_starts_the_form_and_a_no_ends_politely(make_tracker, run, language):
    said_yes = make_tracker(text="yes", intent="affirm", slots={"language": language}, after_message=[])
    tracker = make_tracker(text="sí", intent="affirm", slots={"language": language})
    tracker.events.insert(-1, offer(language))
    assert offered_extras(tracker)
    assert not offered_extras(said_yes)
    assert FollowupAction("extras_form") in run(ActionDefaultFallback(), tracker).events

    declined = make_tracker(text="no", intent="deny", slots={"language": language})
    declined.events.insert(-1, offer(language))
    outcome = run(ActionDefaultFallback(), declined)
    assert outcome.texts == [t("extras.declined", language)]


def test_saving_stores_the_details_with_the_confirmation(
    make_tracker, run, isolated_services, registration, proof_for
):
    confirmation = isolated_services.registry.issue_confirmation(registration.id, "PTS-01", "en")
    slots = {
        "language": "en",
        "confirmed_registration": proof_for(registration.id),
        "interview_date": "2026-03-12",
        "documents": ["birth_certificate", "other"],
        "documents_done": True,
    }

    outcome = run(ActionSaveExtras(), make_tracker(slots=slots))

    stored = isolated_services.registry.confirmation_by_token(confirmation.token)
    assert (stored.interview_date, stored.documents) == (date(2026, 3, 12), ("birth_certificate", "other"))
    assert re.search(re.escape(confirmation.token), outcome.texts[0])
    assert t("extras.saved_both", "en") in outcome.texts[0]
    assert {
        name: outcome.slots[name] for name in ("interview_date", "documents", "documents_done")
    } == dict.fromkeys(("interview_date", "documents", "documents_done"))


def test_nothing_given_stores_nothing_and_says_so(
    make_tracker, run, isolated_services, registration, proof_for
):
    confirmation = isolated_services.registry.issue_confirmation(registration.id, "PTS-01", "es")
    slots = {
        "language": "es",
        "confirmed_registration": proof_for(registration.id),
        "interview_date": UNKNOWN,
    }

    outcome = run(ActionSaveExtras(), make_tracker(slots=slots))

    stored = isolated_services.registry.confirmation_by_token(confirmation.token)
    assert (stored.interview_date, stored.documents) == (None, None)
    assert outcome.texts == [t("extras.declined", "es")]
