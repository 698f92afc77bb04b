"""docs/localpool.md's table of Cognito's operations is true of the code."""

from __future__ import annotations

import botocore.session

from app.localpool import coverage
from app.localpool.operations import OPERATIONS


def test_the_documented_table_is_the_one_the_code_gives():
    doc = coverage.DOC.read_text()
    assert coverage.with_table(doc) == doc, "run: python -m app.localpool.coverage --write"


def test_every_registered_operation_is_one_of_cognitos():
    model = botocore.session.get_session().get_service_model("cognito-idp")
    assert set(OPERATIONS) <= set(model.operation_names)


def test_every_partial_note_names_a_registered_operation():
    assert set(coverage.PARTIAL) <= set(OPERATIONS)


def test_an_unregistered_operation_is_absent_and_a_registered_one_is_not():
    assert coverage.status("CreateUserPoolReplica") == ("absent", "")
    assert coverage.status("SignUp")[0] == "partial"
    assert coverage.status("AdminGetUser") == ("supported", "")
    assert "| AdminGetUser | supported |" in coverage.table()
