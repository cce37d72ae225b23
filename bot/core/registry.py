"""Registrations of applicants and their courier confirmations, in SQL (SQLite or PostgreSQL).

No raw passport number or date of birth is stored: an applicant is found again through
a keyed hash (HMAC-SHA256) of passport number, date of birth and nationality; only the
masked passport and the nationality are kept for display. A confirmation may carry
details that identify no one (set_details): the interview date and the ids of the
documents the consular officer asked for.

The tables are created on first use, not at construction, so that a program using the
registry starts while the database is down. Every public method raises
RegistryUnavailable when the database cannot be reached or fails; its message names only
the error's type, never the statement's parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.core.i18n import LANGUAGES
from bot.core.settings import derive_key

# No look-alikes: 0, O, 1, I, L, 2, Z, 5, S and B (next to 8) are left out.
CONFIRMATION_ALPHABET = "346789ACDEFGHJKMNPQRTUVWXY"
_TOKEN_BYTES = 32
# secrets.token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_PASSPORT_PATTERN = re.compile(r"[A-Z0-9]{5,20}")
# A document id: a checklist entry's id in the embassy profile, or "other".
_DOCUMENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_DOCUMENTS = 50
_NATIONALITY_PATTERN = re.compile(r"[A-Z]{3}")
# Fresh confirmation numbers and tokens collide with existing ones only by (rare) chance.
_ISSUE_ATTEMPTS = 5
# Seconds to wait for a locked SQLite file (sqlite3's own default, made explicit) or for
# a PostgreSQL connection (libpq waits for the operating system's TCP timeout, minutes).
# A `timeout` / `connect_timeout` in the database URL wins.
_SQLITE_BUSY_TIMEOUT = 5.0
_POSTGRES_CONNECT_TIMEOUT = 5
# DBAPIError covers OperationalError, InterfaceError, DatabaseError and the rest of PEP 249.
_DATABASE_ERRORS = (DBAPIError, DisconnectionError, PoolTimeoutError)

_UTC = timezone.utc

_metadata = sa.MetaData()
_registrations = sa.Table(
    "registrations",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("lookup_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("passport_masked", sa.String(20), nullable=False),
    sa.Column("nationality", sa.String(3), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
_confirmations = sa.Table(
    "confirmations",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(9), nullable=False, unique=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "registration_id",
        sa.Integer,
        sa.ForeignKey("registrations.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("office_id", sa.String(32), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
)
# What the person told about their 221(g) note, nothing identifying: the interview date
# and the checklist ids of the documents asked for. A table of its own (created on first
# use, like the others) so that a database made before it needs no migration.
_confirmation_details = sa.Table(
    "confirmation_details",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "confirmation_id",
        sa.Integer,
        sa.ForeignKey("confirmations.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("interview_date", sa.Date, nullable=True),
    # A JSON list of document ids, e.g. ["passport", "other"]; NULL when none were given.
    sa.Column("documents", sa.Text, nullable=True),
)


@dataclass(frozen=True)
class Applicant:
    """Identity data, already normalised ("A1234567", "1985-03-05", "BOL").

    The passport number and the date of birth stay out of repr() and error messages
    so that they cannot reach a log by accident.
    """

    passport_number: str = field(repr=False)
    date_of_birth: str = field(repr=False)
    nationality: str

    def __post_init__(self) -> None:
        if not _PASSPORT_PATTERN.fullmatch(self.passport_number):
            raise ValueError("passport_number must be 5 to 20 characters A-Z and 0-9")
        try:
            valid_date = date.fromisoformat(self.date_of_birth).isoformat() == self.date_of_birth
        except ValueError:
            valid_date = False
        if not valid_date:
            raise ValueError("date_of_birth must be a calendar date written YYYY-MM-DD")
        if not _NATIONALITY_PATTERN.fullmatch(self.nationality):
            raise ValueError("nationality must be an ISO 3166-1 alpha-3 code in capitals")


@dataclass(frozen=True)
class Registration:
    id: int
    passport_masked: str
    nationality: str
    created_at: datetime


@dataclass(frozen=True)
class Confirmation:
    number: str
    token: str
    registration_id: int
    office_id: str
    language: str
    issued_on: date
    passport_masked: str
    nationality: str
    # The details stored with set_details; None when not given.
    interview_date: date | None = None
    documents: tuple[str, ...] | None = None


def mask_passport(passport_number: str) -> str:
    """All but the last 3 characters replaced by "*" ("A1234567" -> "*****567")."""
    if len(passport_number) <= 3:
        return "*" * len(passport_number)
    return "*" * (len(passport_number) - 3) + passport_number[-3:]


def _utc_now() -> datetime:
    return datetime.now(_UTC)


class RegistryUnavailable(RuntimeError):
    """The database could not be reached or answered with an error; nothing was changed
    that a retry would repeat. The message never holds personal data."""


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _unavailable_on_database_errors(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turns a database failure in `method` into RegistryUnavailable."""

    @wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except _DATABASE_ERRORS as error:
            failure = type(getattr(error, "orig", None) or error)
            reason = f"{failure.__module__}.{failure.__qualname__}"
        # Raised outside the except clause, so that the SQLAlchemy error, whose text holds
        # the statement's parameters, is neither __cause__ nor __context__.
        raise RegistryUnavailable(f"the database is unavailable ({reason})")

    return wrapper


class Registry:
    """Registrations and confirmations in the database at `database_url`.

    `clock` gives the current, timezone-aware time; times are stored in UTC, and a
    confirmation's issue date is the UTC date.
    """

    def __init__(
        self,
        database_url: str,
        secret_key: bytes,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite" and "timeout" not in url.query:
            connect_args["timeout"] = _SQLITE_BUSY_TIMEOUT
        if url.get_driver_name() == "psycopg2" and "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = _POSTGRES_CONNECT_TIMEOUT
        # echo stays off: statements' parameters would show personal data.
        self._engine = sa.create_engine(
            url, future=True, pool_pre_ping=True, pool_recycle=1800, connect_args=connect_args
        )
        self._lookup_key = derive_key(secret_key, b"registry lookup hash v1")
        self._clock = clock
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    @_unavailable_on_database_errors
    def prepare(self) -> None:
        """Creates the tables unless done already; every other method calls it first."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                with self._engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        # Processes starting together on one database (a cluster) would
                        # race to create the tables: all but one failed. The tracker
                        # store's table is made sure of the same way.
                        connection.execute(
                            sa.text("SELECT pg_advisory_xact_lock(hashtext('registry schema'))")
                        )
                    _metadata.create_all(connection)
                self._schema_ready = True

    @_unavailable_on_database_errors
    def find(self, applicant: Applicant) -> Registration | None:
        self.prepare()
        with self._engine.connect() as connection:
            return self._find(connection, self._lookup_hash(applicant))

    @_unavailable_on_database_errors
    def register(self, applicant: Applicant) -> tuple[Registration, bool]:
        """The applicant's registration and whether it was created now (False: it existed)."""
        self.prepare()
        lookup_hash = self._lookup_hash(applicant)
        with self._engine.connect() as connection:
            existing = self._find(connection, lookup_hash)
        if existing is not None:
            return existing, False
        passport_masked = mask_passport(applicant.passport_number)
        created_at = self._clock().astimezone(_UTC)
        values = {
            "lookup_hash": lookup_hash,
            "passport_masked": passport_masked,
            "nationality": applicant.nationality,
            "created_at": created_at,
        }
        try:
            with self._engine.begin() as connection:
                result = connection.execute(_registrations.insert().values(**values))
                registration_id = result.inserted_primary_key[0]
        except IntegrityError:
            # Someone registered the same applicant between our look-up and our insert.
            with self._engine.connect() as connection:
                return _require(self._find(connection, lookup_hash)), False
        return (
            Registration(
                id=registration_id,
                passport_masked=passport_masked,
                nationality=applicant.nationality,
                created_at=created_at,
            ),
            True,
        )

    @_unavailable_on_database_errors
    def delete(self, applicant: Applicant) -> bool:
        """Deletes the applicant's registration and its confirmation (whose link then
        finds nothing); False when the three fields match no registration."""
        self.prepare()
        lookup_hash = self._lookup_hash(applicant)
        with self._engine.begin() as connection:
            registration = self._find(connection, lookup_hash)
            if registration is None:
                return False
            confirmation_ids = sa.select(_confirmations.c.id).where(
                _confirmations.c.registration_id == registration.id
            )
            connection.execute(
                _confirmation_details.delete().where(
                    _confirmation_details.c.confirmation_id.in_(confirmation_ids)
                )
            )
            connection.execute(
                _confirmations.delete().where(_confirmations.c.registration_id == registration.id)
            )
            deleted = connection.execute(
                _registrations.delete().where(_registrations.c.lookup_hash == lookup_hash)
            )
        return bool(deleted.rowcount)

    @_unavailable_on_database_errors
    def confirmation_for(self, registration_id: int) -> Confirmation | None:
        self.prepare()
        return self._confirmation(_confirmations.c.registration_id == registration_id)

    @_unavailable_on_database_errors
    def issue_confirmation(self, registration_id: int, office_id: str, language: str) -> Confirmation:
        """A new confirmation for the registration, or the one it already has.

        Raises LookupError for an unknown registration, ValueError for a bad argument.
        """
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        max_length = _confirmations.c.office_id.type.length
        if not 0 < len(office_id) <= max_length:
            raise ValueError(f"office_id must be 1 to {max_length} characters")
        self.prepare()
        for _ in range(_ISSUE_ATTEMPTS):
            existing = self.confirmation_for(registration_id)
            if existing is not None:
                return existing
            with self._engine.connect() as connection:
                registration = connection.execute(
                    sa.select(_registrations.c.id).where(_registrations.c.id == registration_id)
                ).first()
            if registration is None:
                raise LookupError(f"no registration with id {registration_id}")
            try:
                with self._engine.begin() as connection:
                    connection.execute(
                        _confirmations.insert().values(
                            number=_new_confirmation_number(),
                            token=secrets.token_urlsafe(_TOKEN_BYTES),
                            registration_id=registration_id,
                            office_id=office_id,
                            language=language,
                            issued_on=self._clock().astimezone(_UTC).date(),
                        )
                    )
            except IntegrityError:
                # Either a concurrent issue for this registration (found on the next
                # round) or a colliding number or token (drawn again).
                continue
            return _require(self.confirmation_for(registration_id))
        raise RuntimeError("could not issue a unique confirmation number")

    @_unavailable_on_database_errors
    def set_details(
        self, registration_id: int, interview_date: date | None, documents: list[str] | None
    ) -> Confirmation:
        """Stores (replacing any stored before) the interview date and the requested
        documents' ids with the registration's confirmation, and returns it with them.

        Duplicate ids are dropped, the order kept. Raises LookupError when the
        registration has no confirmation, ValueError for a bad argument.
        """
        if interview_date is not None and (
            isinstance(interview_date, datetime) or not isinstance(interview_date, date)
        ):
            raise ValueError("interview_date must be a date (without a time) or None")
        stored_documents = None if documents is None else json.dumps(_document_ids(documents))
        self.prepare()
        with self._engine.connect() as connection:
            confirmation_id = connection.execute(
                sa.select(_confirmations.c.id).where(_confirmations.c.registration_id == registration_id)
            ).scalar()
        if confirmation_id is None:
            raise LookupError(f"no confirmation for registration id {registration_id}")
        update = (
            _confirmation_details.update()
            .where(_confirmation_details.c.confirmation_id == confirmation_id)
            .values(interview_date=interview_date, documents=stored_documents)
        )
        # INSERT ... SELECT: nothing is inserted when the confirmation was deleted meanwhile
        # (SQLite does not check the foreign key).
        insert = _confirmation_details.insert().from_select(
            ["confirmation_id", "interview_date", "documents"],
            sa.select(
                _confirmations.c.id,
                sa.literal(interview_date, sa.Date),
                sa.literal(stored_documents, sa.Text),
            ).where(_confirmations.c.id == confirmation_id),
        )
        try:
            with self._engine.begin() as connection:
                if not connection.execute(update).rowcount:
                    connection.execute(insert)
        except IntegrityError:
            # Either a concurrent first set_details (whose row we now update) or the
            # confirmation deleted meanwhile (no row to update: LookupError below).
            with self._engine.begin() as connection:
                connection.execute(update)
        confirmation = self.confirmation_for(registration_id)
        if confirmation is None:
            raise LookupError(f"no confirmation for registration id {registration_id}")
        return confirmation

    @_unavailable_on_database_errors
    def confirmation_by_token(self, token: str) -> Confirmation | None:
        if not _TOKEN_PATTERN.fullmatch(token):
            return None
        self.prepare()
        return self._confirmation(_confirmations.c.token == token)

    def dispose(self) -> None:
        self._engine.dispose()

    def _lookup_hash(self, applicant: Applicant) -> str:
        # The unit separator cannot occur in the validated fields, so fields cannot run together.
        message = f"{applicant.passport_number}\x1f{applicant.date_of_birth}\x1f{applicant.nationality}"
        return hmac.new(self._lookup_key, message.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _find(connection: Connection, lookup_hash: str) -> Registration | None:
        row = connection.execute(
            sa.select(
                _registrations.c.id,
                _registrations.c.passport_masked,
                _registrations.c.nationality,
                _registrations.c.created_at,
            ).where(_registrations.c.lookup_hash == lookup_hash)
        ).first()
        if row is None:
            return None
        # SQLite gives back naive datetimes; every stored time is UTC.
        created_at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=_UTC)
        return Registration(
            id=row.id,
            passport_masked=row.passport_masked,
            nationality=row.nationality,
            created_at=created_at,
        )

    def _confirmation(self, condition: sa.sql.ColumnElement[bool]) -> Confirmation | None:
        query = (
            sa.select(
                _confirmations.c.number,
                _confirmations.c.token,
                _confirmations.c.registration_id,
                _confirmations.c.office_id,
                _confirmations.c.language,
                _confirmations.c.issued_on,
                _registrations.c.passport_masked,
                _registrations.c.nationality,
                _confirmation_details.c.interview_date,
                _confirmation_details.c.documents,
            )
            .join_from(_confirmations, _registrations)
            .outerjoin(_confirmation_details, _confirmation_details.c.confirmation_id == _confirmations.c.id)
            .where(condition)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        values = row._asdict()
        documents = values.pop("documents")
        return Confirmation(
            **values, documents=None if documents is None else tuple(_stored_document_ids(documents))
        )


_T = TypeVar("_T")


def _require(value: _T | None) -> _T:
    if value is None:
        raise RuntimeError("a row that the database reported as existing was not found")
    return value


def _document_ids(documents: list[str]) -> list[str]:
    """The ids, checked, without duplicates, in their order."""
    if isinstance(documents, str) or not all(isinstance(item, str) for item in documents):
        raise ValueError("documents must be a list of document ids")
    ids = list(dict.fromkeys(documents))
    if len(ids) > MAX_DOCUMENTS:
        raise ValueError(f"documents holds more than {MAX_DOCUMENTS} ids")
    if not all(_DOCUMENT_ID_PATTERN.fullmatch(item) for item in ids):
        raise ValueError("a document id must be 1 to 64 characters A-Z, a-z, 0-9, '_', '.' or '-'")
    return ids


def _stored_document_ids(stored: str) -> list[str]:
    """The ids in a stored JSON list; whatever else the column holds is left out."""
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and _DOCUMENT_ID_PATTERN.fullmatch(item)]


def _new_confirmation_number() -> str:
    characters = "".join(secrets.choice(CONFIRMATION_ALPHABET) for _ in range(8))
    return f"{characters[:4]}-{characters[4:]}"
