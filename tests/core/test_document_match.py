"""Typed answers to "which documents does the note ask for?" (bot/core/document_match.py)."""

from __future__ import annotations

import pytest

from bot.core.document_match import match_documents

DOCUMENTS = [
    ("passport", ("Passport", "Pasaporte")),
    ("police_certificate", ("Police certificate", "Certificado de antecedentes")),
    ("birth_certificate", ("Birth certificate", "Certificado de nacimiento")),
    ("affidavit_of_support", ("Affidavit of Support (I-864)", "Declaración de patrocinio (I-864)")),
]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Police certificate", ["police_certificate"]),
        ("the police certificat and my birth certificate", ["police_certificate", "birth_certificate"]),
        ("certificado de antecedentes y el de nacimiento", ["police_certificate"]),
        ("CERTIFICADO DE NACIMIENTO", ["birth_certificate"]),
        ("mi pasaporte", ["passport"]),
        ("certificado de antecedente", ["police_certificate"]),
        ("Affidavit of Support", ["affidavit_of_support"]),
        ("declaracion de patrocinio (I-864)", ["affidavit_of_support"]),
    ],
)
def test_names_in_either_language_with_small_typos(text: str, ids: list[str]) -> None:
    assert match_documents(text, DOCUMENTS) == ids


@pytest.mark.parametrize(
    "text", ["", "   ", "asdfgh", "a letter from my employer", "certificado", "certificate"]
)
def test_nothing_named_matches_nothing(text: str) -> None:
    assert match_documents(text, DOCUMENTS) == []
