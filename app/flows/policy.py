"""The pool's password policy, shown on every page where a person chooses a password."""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import lazy_gettext as _l

_CACHE: dict[int, tuple[float, list[str]]] = {}
CACHE_SECONDS = 300


def password_rules() -> list[str]:
    """Sentences for the pool's password policy (DescribeUserPool, cached for five minutes)."""
    key = id(current_app)
    cached = _CACHE.get(key)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    pool = current_app.extensions["gatehouse.userpool"]
    policy = pool.call("DescribeUserPool")["UserPool"]["Policies"]["PasswordPolicy"]
    rules = [str(_l("At least %(n)d characters", n=policy.get("MinimumLength", 8)))]
    for flag, text in (
        ("RequireUppercase", _l("an uppercase letter")),
        ("RequireLowercase", _l("a lowercase letter")),
        ("RequireNumbers", _l("a number")),
        ("RequireSymbols", _l("a symbol")),
    ):
        if policy.get(flag):
            rules.append(str(_l("Contains %(what)s", what=text)))
    _CACHE[key] = (time.monotonic(), rules)
    return rules
