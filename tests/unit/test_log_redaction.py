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


def test_gunicorns_access_line_is_json_without_token_query_or_address(capsys):
    import datetime
    import json
    from types import SimpleNamespace

    from gunicorn.config import Config

    from app.web.log_redaction import RedactingLogger

    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    response = SimpleNamespace(
        status="200 OK",
        status_code=200,
        sent=42,
        response_length=42,
        headers=[("X-Request-Id", "req-12345678")],
    )
    request = SimpleNamespace(headers=[])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/magic/SECRET-TOKEN?code=987654",
        "PATH_INFO": "/magic/SECRET-TOKEN",
        "QUERY_STRING": "code=987654",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
    }
    logger.access(response, request, environ, datetime.timedelta(seconds=0.25))
    printed = capsys.readouterr().out.strip()
    line = json.loads(printed)
    assert line["path"] == "/magic/[redacted]" and line["status"] == "200"
    assert line["request_id"] == "req-12345678" and line["method"] == "GET"
    assert "SECRET-TOKEN" not in printed and "987654" not in printed
    assert "203.0.113.9" not in printed
