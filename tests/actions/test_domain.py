"""Guards that the domain, the tracker fixture and the registered actions agree."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from bot.actions.conversation import ANSWERS
from bot.actions.flow import FLOW_SLOTS


def registered_actions() -> set[str]:
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    return set(executor.actions)


def domain_actions(domain) -> dict[str, dict]:
    """Each action of domain.yml with its settings ({} for a bare name)."""
    return {
        **{action: {} for action in domain["actions"] if isinstance(action, str)},
        **{
            name: config
            for action in domain["actions"]
            if isinstance(action, dict)
            for name, config in action.items()
        },
    }


def test_every_domain_action_is_registered_and_vice_versa(domain):
    assert registered_actions() == set(domain_actions(domain))


def test_the_domain_goes_to_the_form_validations_only(domain):
    # endpoints.yml's enable_selective_domain sends it only where send_domain is set;
    # the SDK's form validation reads the form's slots from it.
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    validations = {name for name in executor.actions if name.startswith("validate_")}
    with_domain = {name for name, config in domain_actions(domain).items() if config.get("send_domain")}
    forms = {
        "validate_applicant_form",
        "validate_location_form",
        "validate_deletion_form",
        "validate_extras_form",
    }
    assert with_domain == validations == forms


def test_every_form_slot_has_an_ask_action(domain):
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}

    assert {f"action_ask_{slot}" for slot in form_slots} <= registered_actions()


def test_every_answered_question_is_a_domain_intent(domain):
    assert set(ANSWERS) | {"ask_contact"} <= set(domain["intents"])


def test_no_answered_question_is_taken_as_a_typed_answer(domain):
    # Otherwise "I don't know my passport number" would be validated as the number.
    questions = set(ANSWERS) | {"ask_contact"}
    text_mappings = [
        mapping
        for slot in domain["slots"].values()
        for mapping in slot["mappings"]
        if mapping["type"] == "from_text"
    ]

    assert text_mappings
    for mapping in text_mappings:
        assert questions <= set(mapping["not_intent"])


def test_tracker_fixture_has_exactly_the_domain_slots(domain, base_state):
    assert set(base_state["slots"]) == set(domain["slots"]) | {"requested_slot", "session_started_metadata"}


def test_flow_slots_are_every_slot_but_the_language(domain):
    assert set(FLOW_SLOTS) == set(domain["slots"]) - {"language"} | {"requested_slot"}


def test_actions_use_the_temporary_database_and_the_test_profile(isolated_services, tmp_path, public_url):
    assert isolated_services.settings.data_dir == (tmp_path / "data").resolve()
    assert isolated_services.settings.database_url.startswith(f"sqlite:///{tmp_path}")
    assert isolated_services.settings.public_url == public_url
    assert isolated_services.profile.id == "test-embassy"
