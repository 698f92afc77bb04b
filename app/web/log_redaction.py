"""Keep tokens out of logs (DESIGN.md §5): some links carry a token in their path.

The magic link (``/magic/<token>``) and the "not you?" link (``/account/secure/<token>``) are
paths, so an access log that prints paths would print the tokens. Every log line that names a
path goes through ``redact_path``; gunicorn's access log uses ``RedactingLogger``.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"^(/magic|/account/secure)/[^/?]+")


def redact_path(path: str) -> str:
    """The path with any token segment replaced by ``[redacted]``."""
    return SECRET_PATHS.sub(r"\1/[redacted]", path or "")


class RedactingLogger(Logger):
    """gunicorn's logger, with token paths redacted and query strings dropped from its atoms,
    writing JSON lines as the app does (``app/observability/logs.py``)."""

    def setup(self, cfg):
        """gunicorn's handlers, with JSON formatters."""
        super().setup(cfg)
        from ..observability.logs import access_formatter, json_formatter

        for handler in self.error_log.handlers:
            handler.setFormatter(json_formatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(access_formatter())

    def atoms(self, resp, req, environ, request_time):
        """The access-log fields: ``U`` redacted; ``r`` without its query; ``q`` withheld."""
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(atoms.get("U", ""))
        atoms["U"] = path
        atoms["r"] = f"{atoms.get('m', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        if atoms.get("q"):
            atoms["q"] = "[redacted]"  # query strings carry codes and states
        return atoms
