"""The applicant the action tests register and look up, and its validated fields."""

from __future__ import annotations

from bot.core.registry import Applicant

APPLICANT = Applicant(passport_number="A1234567", date_of_birth="1985-03-05", nationality="BOL")
# The slots of APPLICANT's fields once each went through its validator.
DETAILS = {
    "passport_number": "A1234567",
    "date_of_birth": "1985-03-05",
    "date_confirmed": True,
    "nationality": "BOL",
}
