"""Tests for bot.core.registry on SQLite and on PostgreSQL.

PostgreSQL isolation: every test gets a schema of its own (random name), selected with
the libpq option `-csearch_path=...` in the database URL and dropped after the test.
The PostgreSQL cases are skipped when the server is unreachable, unless CI is set, where
that is a failure. TEST_POSTGRES_URL overrides the server address.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

import bot.core.registry as registry_module
from bot.core.registry import (
    CONFIRMATION_ALPHABET,
    Applicant,
    Registry,
    RegistryUnavailable,
    mask_passport,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = b"test secret key"
APPLICANT = Applicant(passport_number="A1234567", date_of_birth="1985-03-05", nationality="BOL")
# Nothing listens on port 1: the connection is refused at once.
CLOSED_POSTGRES_URL = "postgresql://nobody@127.0.0.1:1/test"
NUMBER_FORMAT = re.compile(f"[{CONFIRMATION_ALPHABET}]{{4}}-[{CONFIRMATION_ALPHABET}]{{4}}")


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        engine.connect().close()
    except sa.exc.OperationalError as error:
        engine.dispose()
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {error.orig}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # A directory that does not exist yet: the registry must create it.
        yield f"sqlite:///{tmp_path / 'not' / 'yet' / 'registry.sqlite3'}"
        return
    engine = request.getfixturevalue("postgres_engine")
    schema = f"test_registry_{uuid.uuid4().hex}"
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    registry = Registry(database_url, SECRET)
    yield registry
    registry.dispose()


def all_stored_values(database_url: str) -> list[str]:
    """Every value of every column of every row of every table, as text, via plain SQL."""
    engine = sa.create_engine(database_url, future=True)
    try:
        tables = sa.inspect(engine).get_table_names()
        assert {"registrations", "confirmations"} <= set(tables)
        with engine.connect() as connection:
            return [
                str(value)
                for table in tables
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
                for value in row
            ]
    finally:
        engine.dispose()


def count_rows(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
    finally:
        engine.dispose()


def applicant(index: int) -> Applicant:
    return Applicant(passport_number=f"P{index:07d}", date_of_birth="1990-01-31", nationality="MEX")


@pytest.mark.parametrize(
    ("passport", "masked"),
    [("A1234567", "*****567"), ("12345", "**345"), ("AB12345678901234567X", "*" * 17 + "67X"), ("XY", "**")],
)
def test_mask_passport_keeps_only_the_last_three_characters(passport: str, masked: str) -> None:
    assert mask_passport(passport) == masked


@pytest.mark.parametrize(
    "fields",
    [
        {"passport_number": "a1234567"},
        {"passport_number": "A123-4567"},
        {"passport_number": "A123"},
        {"date_of_birth": "05/03/1985"},
        {"date_of_birth": "1985-02-30"},
        {"date_of_birth": "19850305"},
        {"nationality": "bol"},
        {"nationality": "BO"},
    ],
)
def test_applicant_accepts_only_normalised_fields(fields: dict[str, str]) -> None:
    values = {"passport_number": "A1234567", "date_of_birth": "1985-03-05", "nationality": "BOL", **fields}
    with pytest.raises(ValueError) as raised:
        Applicant(**values)
    assert all(value not in str(raised.value) for value in fields.values())


def test_applicant_repr_hides_personal_data() -> None:
    text = repr(APPLICANT)
    assert "A1234567" not in text and "1985" not in text
    assert "BOL" in text


def test_register_creates_once_and_find_returns_it(registry: Registry, database_url: str) -> None:
    assert registry.find(APPLICANT) is None
    registration, created = registry.register(APPLICANT)
    assert created is True
    assert registration.passport_masked == "*****567"
    assert registration.nationality == "BOL"
    assert registration.created_at.tzinfo is not None
    assert registry.find(APPLICANT) == registration
    again, created_again = registry.register(APPLICANT)
    assert (again, created_again) == (registration, False)
    assert count_rows(database_url, "registrations") == 1


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "registry.sqlite3"
    registry = Registry(f"sqlite:///{path}", SECRET)
    registry.register(APPLICANT)
    registry.dispose()
    assert path.is_file()


@pytest.mark.parametrize(
    "other",
    [
        Applicant(passport_number="A1234568", date_of_birth="1985-03-05", nationality="BOL"),
        Applicant(passport_number="A1234567", date_of_birth="1985-05-03", nationality="BOL"),
        Applicant(passport_number="A1234567", date_of_birth="1985-03-05", nationality="PER"),
    ],
)
def test_each_of_the_three_fields_must_match(registry: Registry, other: Applicant) -> None:
    registration, _ = registry.register(APPLICANT)
    assert registry.find(other) is None
    new, created = registry.register(other)
    assert created is True and new.id != registration.id


def test_lookup_hash_is_keyed(registry: Registry, database_url: str) -> None:
    registry.register(APPLICANT)
    other_key = Registry(database_url, b"another secret key")
    try:
        assert other_key.find(APPLICANT) is None
    finally:
        other_key.dispose()
    same_key = Registry(database_url, SECRET)
    try:
        assert same_key.find(APPLICANT) is not None
    finally:
        same_key.dispose()


def test_no_raw_passport_or_date_of_birth_is_stored(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    registry.issue_confirmation(registration.id, "LPZ-01", "es")
    stored = " ".join(all_stored_values(database_url))
    assert "*****567" in stored and "BOL" in stored  # the read-back does see the data
    for secret in ("A1234567", "1234567", "1985-03-05", "19850305", "05/03/1985", "1985"):
        assert secret not in stored


def test_register_survives_a_unique_constraint_race(
    registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing, _ = registry.register(APPLICANT)
    # As if another process registered the same applicant right after our look-up.
    monkeypatch.setattr(registry, "_find", one_miss(registry._find))
    registration, created = registry.register(APPLICANT)
    assert (registration, created) == (existing, False)
    assert count_rows(database_url, "registrations") == 1


def test_processes_starting_together_all_get_the_tables(database_url: str) -> None:
    """Six registries (as six processes of a cluster) prepare one new database at once."""
    if database_url.startswith("sqlite"):
        pytest.skip("a cluster shares PostgreSQL; an SQLite file serves one machine's `make run`")
    registries = [Registry(database_url, SECRET) for _ in range(6)]
    barrier = threading.Barrier(len(registries))
    failures: list[str] = []

    def prepare(registry: Registry) -> None:
        barrier.wait()
        try:
            registry.prepare()
        except RegistryUnavailable as error:
            failures.append(str(error))

    threads = [threading.Thread(target=prepare, args=(registry,)) for registry in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert registries[0].register(APPLICANT)[1]
    finally:
        for registry in registries:
            registry.dispose()


def one_miss(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, except that its first call returns None."""
    calls = []

    def wrapper(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else function(*args)

    return wrapper


def test_issue_confirmation(registry: Registry) -> None:
    registration, _ = registry.register(APPLICANT)
    assert registry.confirmation_for(registration.id) is None
    confirmation = registry.issue_confirmation(registration.id, "SCZ-01", "es")
    assert NUMBER_FORMAT.fullmatch(confirmation.number)
    assert len(confirmation.token) == 43
    assert confirmation.registration_id == registration.id
    assert confirmation.office_id == "SCZ-01"
    assert confirmation.language == "es"
    assert abs(confirmation.issued_on - date.today()) <= timedelta(days=1)
    assert (confirmation.passport_masked, confirmation.nationality) == ("*****567", "BOL")
    assert registry.confirmation_for(registration.id) == confirmation
    assert registry.confirmation_by_token(confirmation.token) == confirmation


def test_issue_confirmation_is_idempotent(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    first = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    assert registry.issue_confirmation(registration.id, "CBB-01", "es") == first
    assert count_rows(database_url, "confirmations") == 1


def test_issue_confirmation_survives_a_concurrent_issue(
    registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registration, _ = registry.register(APPLICANT)
    first = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    # As if another process issued the confirmation right after our look-up.
    monkeypatch.setattr(registry, "confirmation_for", one_miss(registry.confirmation_for))
    assert registry.issue_confirmation(registration.id, "CBB-01", "es") == first
    assert count_rows(database_url, "confirmations") == 1


def test_colliding_confirmation_number_is_drawn_again(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = iter(["AAAA-AAAA", "AAAA-AAAA", "CCCC-CCCC"])
    monkeypatch.setattr(registry_module, "_new_confirmation_number", lambda: next(numbers))
    first = registry.issue_confirmation(registry.register(applicant(1))[0].id, "LPZ-01", "en")
    second = registry.issue_confirmation(registry.register(applicant(2))[0].id, "LPZ-01", "en")
    assert (first.number, second.number) == ("AAAA-AAAA", "CCCC-CCCC")


def test_numbers_and_tokens_are_unique_over_many_issues(registry: Registry) -> None:
    confirmations = [
        registry.issue_confirmation(registry.register(applicant(index))[0].id, "TJA-01", "en")
        for index in range(150)
    ]
    numbers = [confirmation.number for confirmation in confirmations]
    tokens = [confirmation.token for confirmation in confirmations]
    assert len(set(numbers)) == len(numbers)
    assert len(set(tokens)) == len(tokens)
    assert all(NUMBER_FORMAT.fullmatch(number) for number in numbers)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)
    # Every character of the alphabet shows up, and nothing else: the draw is not biased to a few.
    assert set("".join(numbers).replace("-", "")) == set(CONFIRMATION_ALPHABET)
    assert all(registry.confirmation_by_token(c.token) == c for c in confirmations[:10])


def test_alphabet_has_no_look_alike_characters() -> None:
    assert not set(CONFIRMATION_ALPHABET) & set("0O1IL2Z5SB")
    assert len(set(CONFIRMATION_ALPHABET)) == len(CONFIRMATION_ALPHABET)


def test_issue_date_is_the_utc_date_of_the_clock(database_url: str) -> None:
    # 22:30 in La Paz (UTC-4) is already the next day in UTC.
    now = datetime(2024, 1, 1, 22, 30, tzinfo=timezone(timedelta(hours=-4)))
    registry = Registry(database_url, SECRET, clock=lambda: now)
    try:
        registration, _ = registry.register(APPLICANT)
        assert registry.find(APPLICANT).created_at == now
        assert registry.issue_confirmation(registration.id, "LPZ-01", "en").issued_on == date(2024, 1, 2)
    finally:
        registry.dispose()


def test_unknown_token_finds_nothing(registry: Registry) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    assert registry.confirmation_by_token("A" * 43) is None
    altered = confirmation.token[:-1] + ("B" if confirmation.token.endswith("A") else "A")
    assert registry.confirmation_by_token(altered) is None


@pytest.mark.parametrize(
    "token", ["", "short", "A" * 44, "A" * 42 + "!", "' OR 1=1 --" + "A" * 32, "A" * 10_000]
)
def test_absurd_tokens_are_rejected_without_a_query(registry: Registry, token: str) -> None:
    statements: list[str] = []
    sa.event.listen(registry._engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert registry.confirmation_by_token(token) is None
    assert statements == []
    registry.confirmation_by_token("A" * 43)
    assert statements  # the listener does see queries


def test_issue_confirmation_rejects_bad_arguments(registry: Registry) -> None:
    registration, _ = registry.register(APPLICANT)
    with pytest.raises(LookupError):
        registry.issue_confirmation(registration.id + 1000, "LPZ-01", "en")
    with pytest.raises(ValueError):
        registry.issue_confirmation(registration.id, "LPZ-01", "fr")
    with pytest.raises(ValueError):
        registry.issue_confirmation(registration.id, "", "en")
    assert registry.confirmation_for(registration.id) is None


# Deleting a registration


def test_delete_removes_the_registration_and_its_confirmation(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    kept, _ = registry.register(applicant(1))
    kept_confirmation = registry.issue_confirmation(kept.id, "CBB-01", "es")

    assert registry.delete(APPLICANT) is True

    assert registry.find(APPLICANT) is None
    assert registry.confirmation_for(registration.id) is None
    assert registry.confirmation_by_token(confirmation.token) is None
    assert registry.find(applicant(1)) == kept
    assert registry.confirmation_by_token(kept_confirmation.token) == kept_confirmation
    assert (count_rows(database_url, "registrations"), count_rows(database_url, "confirmations")) == (1, 1)


def test_delete_without_a_confirmation(registry: Registry, database_url: str) -> None:
    registry.register(APPLICANT)

    assert registry.delete(APPLICANT) is True
    assert count_rows(database_url, "registrations") == 0


def test_deleting_twice_or_an_unknown_applicant_finds_nothing(registry: Registry) -> None:
    assert registry.delete(APPLICANT) is False
    registry.register(APPLICANT)
    assert registry.delete(APPLICANT) is True
    assert registry.delete(APPLICANT) is False


@pytest.mark.parametrize(
    "other",
    [
        Applicant(passport_number="A1234568", date_of_birth="1985-03-05", nationality="BOL"),
        Applicant(passport_number="A1234567", date_of_birth="1985-05-03", nationality="BOL"),
        Applicant(passport_number="A1234567", date_of_birth="1985-03-05", nationality="PER"),
    ],
)
def test_delete_needs_each_of_the_three_fields(registry: Registry, other: Applicant) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")

    assert registry.delete(other) is False

    assert registry.find(APPLICANT) == registration
    assert registry.confirmation_by_token(confirmation.token) == confirmation


def test_after_a_deletion_the_same_applicant_registers_anew(registry: Registry) -> None:
    first, _ = registry.register(APPLICANT)
    old = registry.issue_confirmation(first.id, "LPZ-01", "en")
    registry.delete(APPLICANT)

    second, created = registry.register(APPLICANT)
    new = registry.issue_confirmation(second.id, "CBB-01", "es")

    assert created is True
    assert (new.number, new.token) != (old.number, old.token)
    assert registry.confirmation_by_token(old.token) is None


# Details of a confirmation: interview date and requested documents


def test_a_new_confirmation_has_no_details(registry: Registry) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    assert (confirmation.interview_date, confirmation.documents) == (None, None)


def test_set_details_stores_them_with_the_confirmation(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")

    updated = registry.set_details(registration.id, date(2024, 2, 29), ["passport", "other", "passport"])

    assert updated.interview_date == date(2024, 2, 29)
    assert updated.documents == ("passport", "other")  # duplicates dropped, order kept
    assert dataclasses.replace(updated, interview_date=None, documents=None) == confirmation
    assert registry.confirmation_by_token(confirmation.token) == updated
    assert registry.confirmation_for(registration.id) == updated
    assert count_rows(database_url, "confirmation_details") == 1


def test_set_details_replaces_what_was_stored(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    registry.set_details(registration.id, date(2024, 5, 1), ["passport"])

    registry.set_details(registration.id, None, ["birth_certificate"])
    assert registry.confirmation_by_token(confirmation.token).documents == ("birth_certificate",)
    assert registry.confirmation_by_token(confirmation.token).interview_date is None

    cleared = registry.set_details(registration.id, date(2025, 1, 2), None)
    assert (cleared.interview_date, cleared.documents) == (date(2025, 1, 2), None)
    assert registry.set_details(registration.id, None, []).documents == ()
    assert count_rows(database_url, "confirmation_details") == 1


def test_details_belong_to_one_confirmation(registry: Registry) -> None:
    first = registry.issue_confirmation(registry.register(applicant(1))[0].id, "LPZ-01", "en")
    second = registry.issue_confirmation(registry.register(applicant(2))[0].id, "CBB-01", "es")

    registry.set_details(first.registration_id, date(2024, 1, 15), ["passport"])

    assert registry.confirmation_by_token(second.token) == second
    assert registry.confirmation_by_token(first.token).documents == ("passport",)
    # A first set without a date (an INSERT with NULL).
    assert registry.set_details(second.registration_id, None, ["other"]) == dataclasses.replace(
        second, documents=("other",)
    )


def test_documents_are_stored_as_a_json_list_of_ids(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    registry.issue_confirmation(registration.id, "LPZ-01", "en")
    registry.set_details(registration.id, date(2024, 3, 5), ["police_certificate", "other"])

    engine = sa.create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT interview_date, documents FROM confirmation_details")
            ).one()
    finally:
        engine.dispose()
    assert str(row.interview_date) == "2024-03-05"
    assert json.loads(row.documents) == ["police_certificate", "other"]
    stored = " ".join(all_stored_values(database_url))
    for secret in ("A1234567", "1234567", "1985-03-05", "1985"):
        assert secret not in stored


def test_set_details_without_a_confirmation_is_a_lookup_error(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    with pytest.raises(LookupError):
        registry.set_details(registration.id, date(2024, 1, 1), ["passport"])
    with pytest.raises(LookupError):
        registry.set_details(registration.id + 1000, None, None)
    assert count_rows(database_url, "confirmation_details") == 0


@pytest.mark.parametrize(
    ("interview_date", "documents"),
    [
        (datetime(2024, 1, 1, 12, tzinfo=timezone.utc), None),
        ("2024-01-01", None),
        (None, "passport"),
        (None, ["two words"]),
        (None, [""]),
        (None, ["x" * 65]),
        (None, [7]),
        (None, [f"doc{index}" for index in range(51)]),
    ],
)
def test_set_details_rejects_bad_arguments(registry: Registry, interview_date: Any, documents: Any) -> None:
    registration, _ = registry.register(APPLICANT)
    registry.issue_confirmation(registration.id, "LPZ-01", "en")
    with pytest.raises(ValueError):
        registry.set_details(registration.id, interview_date, documents)
    assert registry.confirmation_for(registration.id).documents is None


def test_delete_removes_the_details_too(registry: Registry, database_url: str) -> None:
    registration, _ = registry.register(APPLICANT)
    registry.issue_confirmation(registration.id, "LPZ-01", "en")
    registry.set_details(registration.id, date(2024, 1, 1), ["passport"])
    kept, _ = registry.register(applicant(1))
    kept_confirmation = registry.issue_confirmation(kept.id, "CBB-01", "es")
    kept_confirmation = registry.set_details(kept.id, date(2024, 2, 2), ["other"])

    assert registry.delete(APPLICANT) is True

    assert count_rows(database_url, "confirmation_details") == 1
    assert registry.confirmation_by_token(kept_confirmation.token) == kept_confirmation
    # Registered and issued again: nothing of the deleted details comes back.
    again, _ = registry.register(APPLICANT)
    fresh = registry.issue_confirmation(again.id, "LPZ-01", "en")
    assert (fresh.interview_date, fresh.documents) == (None, None)


def test_a_database_made_before_the_details_table_needs_no_migration(database_url: str) -> None:
    old_tables = [registry_module._registrations, registry_module._confirmations]
    old = Registry(database_url, SECRET)  # (creates the SQLite file's directory)
    old._schema_ready = True  # as a registry of the version before the details table
    engine = sa.create_engine(database_url, future=True)
    try:
        registry_module._metadata.create_all(engine, tables=old_tables)
        registration, _ = old.register(APPLICANT)
        with engine.begin() as connection:
            connection.execute(
                registry_module._confirmations.insert().values(
                    number="AAAA-CCCC",
                    token="T" * 43,
                    registration_id=registration.id,
                    office_id="LPZ-01",
                    language="es",
                    issued_on=date(2024, 1, 1),
                )
            )
        old.dispose()
        assert "confirmation_details" not in sa.inspect(engine).get_table_names()

        registry = Registry(database_url, SECRET)
        try:
            confirmation = registry.confirmation_by_token("T" * 43)
            assert (confirmation.number, confirmation.interview_date, confirmation.documents) == (
                "AAAA-CCCC",
                None,
                None,
            )
            assert registry.set_details(registration.id, date(2023, 12, 1), ["passport"]).documents == (
                "passport",
            )
        finally:
            registry.dispose()
        assert "confirmation_details" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


# PostgreSQL only: SQLite locks the file for our write, so no other writer gets in between.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_set_details_survives_a_concurrent_first_set(
    registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registration, _ = registry.register(APPLICANT)
    confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
    other = Registry(database_url, SECRET)
    inserted: list[str] = []

    def insert_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Another process stores its details between our UPDATE (no row yet) and our INSERT.
        if statement.startswith("INSERT INTO confirmation_details") and not inserted:
            inserted.append(statement)
            other.set_details(registration.id, date(2020, 1, 1), ["other"])

    sa.event.listen(registry._engine, "before_cursor_execute", insert_first)
    try:
        result = registry.set_details(registration.id, date(2024, 4, 4), ["passport"])
    finally:
        other.dispose()
    assert inserted
    assert (result.interview_date, result.documents) == (date(2024, 4, 4), ("passport",))
    assert registry.confirmation_by_token(confirmation.token) == result
    assert count_rows(database_url, "confirmation_details") == 1


# The database unavailable


class ExclusiveLock:
    """Another connection holding an exclusive lock on an SQLite file: every other
    connection, readers included, gets "database is locked" until release()."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self._connection.execute("ROLLBACK")
        self._connection.close()


def every_method(registry: Registry, registration_id: int, token: str) -> dict[str, Callable[[], Any]]:
    return {
        "find": lambda: registry.find(APPLICANT),
        "register": lambda: registry.register(applicant(2)),
        "confirmation_for": lambda: registry.confirmation_for(registration_id),
        "issue_confirmation": lambda: registry.issue_confirmation(registration_id, "LPZ-01", "en"),
        "confirmation_by_token": lambda: registry.confirmation_by_token(token),
        "delete": lambda: registry.delete(APPLICANT),
        "set_details": lambda: registry.set_details(registration_id, date(2024, 1, 1), ["passport"]),
    }


def assert_unavailable(call: Callable[[], Any], *secrets: str) -> RegistryUnavailable:
    """`call` raises RegistryUnavailable, with none of `secrets` in its whole traceback."""
    with pytest.raises(RegistryUnavailable) as raised:
        call()
    error = raised.value
    assert error.__cause__ is None and error.__context__ is None
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert "database is unavailable" in text
    for secret in secrets:
        assert secret not in text
    return error


def test_registry_is_built_while_postgres_is_down_and_every_method_says_unavailable() -> None:
    started = time.monotonic()
    registry = Registry(CLOSED_POSTGRES_URL, SECRET)
    try:
        for name, call in every_method(registry, 1, "A" * 43).items():
            error = assert_unavailable(call, "A1234567", "A" * 43)
            assert "psycopg2.OperationalError" in str(error), name
    finally:
        registry.dispose()
    assert time.monotonic() - started < 10


def test_locked_sqlite_file_says_unavailable_without_the_parameters(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite3"
    # A tiny busy timeout (sqlite3 waits 5 s by default), set in the URL.
    registry = Registry(f"sqlite:///{path}?timeout=0.05", SECRET)
    try:
        registration, _ = registry.register(APPLICANT)
        confirmation = registry.issue_confirmation(registration.id, "LPZ-01", "en")
        lookup_hash = registry._lookup_hash(APPLICANT)
        lock = ExclusiveLock(path)
        try:
            for name, call in every_method(registry, registration.id, confirmation.token).items():
                error = assert_unavailable(call, lookup_hash, confirmation.token, "*****567", "A1234567")
                assert "sqlite3.OperationalError" in str(error), name
        finally:
            lock.release()
        assert registry.confirmation_by_token(confirmation.token) == confirmation
    finally:
        registry.dispose()


def test_tables_are_created_once_the_database_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite3"
    lock = ExclusiveLock(path)
    try:
        registry = Registry(f"sqlite:///{path}?timeout=0.05", SECRET)
        assert_unavailable(registry.prepare)
        assert_unavailable(lambda: registry.register(APPLICANT))
    finally:
        lock.release()
    try:
        registration, created = registry.register(APPLICANT)
        assert created is True
        assert registry.find(APPLICANT) == registration
    finally:
        registry.dispose()


def test_tables_are_created_once_by_concurrent_first_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    create_all = registry_module._metadata.create_all

    def slow_create_all(*args: Any, **kwargs: Any) -> None:
        calls.append(threading.get_ident())
        time.sleep(0.05)  # widens the window in which a second thread would create again
        create_all(*args, **kwargs)

    monkeypatch.setattr(registry_module._metadata, "create_all", slow_create_all)
    registry = Registry(f"sqlite:///{tmp_path / 'registry.sqlite3'}", SECRET)
    try:
        assert calls == []  # nothing happens at construction
        threads = [threading.Thread(target=registry.find, args=(APPLICANT,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        registry.register(APPLICANT)
        assert len(calls) == 1
    finally:
        registry.dispose()


@pytest.mark.parametrize(
    ("url", "name", "expected"),
    [
        (CLOSED_POSTGRES_URL, "connect_timeout", 5),
        (f"{CLOSED_POSTGRES_URL}?connect_timeout=2", "connect_timeout", "2"),
        ("sqlite:///{tmp}/registry.sqlite3", "timeout", 5.0),
        ("sqlite:///{tmp}/registry.sqlite3?timeout=0.5", "timeout", 0.5),
    ],
)
def test_database_waits_are_bounded(tmp_path: Path, url: str, name: str, expected: Any) -> None:
    registry = Registry(url.format(tmp=tmp_path), SECRET)
    connect_parameters: list[dict[str, Any]] = []
    sa.event.listen(
        registry._engine, "do_connect", lambda _d, _r, _a, params: connect_parameters.append(dict(params))
    )
    try:
        registry.find(APPLICANT)
    except RegistryUnavailable:
        pass  # the closed PostgreSQL port
    finally:
        registry.dispose()
    assert connect_parameters[0][name] == expected
