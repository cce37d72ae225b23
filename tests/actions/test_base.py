"""The base classes follow the language on a copy of the tracker: the rest of the
action reads the language found, and the tracker given to `run` stays as it was."""

from __future__ import annotations

import copy

from rasa_sdk.events import SlotSet

from bot.actions.applicant import ValidateApplicantForm
from bot.actions.ask import ActionAskPassportNumber
from bot.core.i18n import t


def test_an_action_reads_the_language_found_and_leaves_the_tracker_alone(make_tracker, run):
    tracker = make_tracker(text="A1234567", metadata={"language": "es"})
    before = copy.deepcopy((tracker.slots, tracker.events))

    outcome = run(ActionAskPassportNumber(), tracker)

    assert outcome.texts == [t("passport.ask", "es")]
    assert outcome.events == [SlotSet("language", "es")]
    assert (tracker.slots, tracker.events) == before


def test_a_form_asks_past_the_language_found_and_leaves_the_tracker_alone(make_tracker, run):
    tracker = make_tracker(
        text="I want to send my passport",
        slots={"registered": False},
        form="applicant_form",
        requested_slot="registered",
        slot_events={},
    )
    before = copy.deepcopy((tracker.slots, tracker.events))

    outcome = run(ValidateApplicantForm(), tracker)

    # The language found counts as answered: the form asks for the passport next.
    assert outcome.events == [SlotSet("language", "en"), SlotSet("requested_slot", "passport_number")]
    assert (tracker.slots, tracker.events) == before
