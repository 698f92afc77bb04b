"""Tokens in paths never reach the logs."""

from __future__ import annotations

import logging

import pytest

from app.web.log_redaction import redact_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/magic/eyJabc.def", "/magic/[redacted]"),
        ("/account/secure/abc.def.ghi", "/account/secure/[redacted]"),
        ("/magic/abc/extra", "/magic/[redacted]/extra"),
        ("/magic-link", "/magic-link"),
        ("/login", "/login"),
    ],
)
def test_redact_path(path, logged):
    assert redact_path(path) == logged


def test_the_fault_log_line_redacts_the_path(app, caplog):
    @app.get("/magic/<token>/boom")
    def boom(token):
        raise RuntimeError("fault")

    with caplog.at_level(logging.ERROR):
        assert app.test_client().get("/magic/SECRET-TOKEN/boom").status_code == 500
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "/magic/[redacted]/boom" in logged and "SECRET-TOKEN" not in logged
