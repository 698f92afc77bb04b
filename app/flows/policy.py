"""What the sign-up and password pages must show from the pool's settings (DescribeUserPool).

The description is cached for five minutes per app: the password policy is shown before a
person types, and the pool's required attributes become sign-up fields.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

CACHE_SECONDS = 300
CACHE_KEY = "gatehouse.pool_description"
# Labels for Cognito's standard attributes; others show their own name.
LABELS = {
    "name": _l("Full name"),
    "given_name": _l("First name"),
    "family_name": _l("Last name"),
    "preferred_username": _l("Username"),
    "phone_number": _l("Phone number"),
    "birthdate": _l("Date of birth"),
    "locale": _l("Language"),
    "zoneinfo": _l("Time zone"),
}


def _described() -> dict[str, Any]:
    """DescribeUserPool's UserPool, cached on the app."""
    cached = current_app.extensions.get(CACHE_KEY)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    described = current_app.extensions["gatehouse.userpool"].call("DescribeUserPool")["UserPool"]
    current_app.extensions[CACHE_KEY] = (time.monotonic(), described)
    return described


def password_rules() -> list[str]:
    """Sentences for the pool's password policy."""
    policy = _described()["Policies"]["PasswordPolicy"]
    rules = [str(_l("At least %(n)d characters", n=policy.get("MinimumLength", 8)))]
    for flag, text in (
        ("RequireUppercase", _l("an uppercase letter")),
        ("RequireLowercase", _l("a lowercase letter")),
        ("RequireNumbers", _l("a number")),
        ("RequireSymbols", _l("a symbol")),
    ):
        if policy.get(flag):
            rules.append(str(_l("Contains %(what)s", what=text)))
    return rules


# Cognito's symbols (its password-policy documentation); a space counts inside a password only.
SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


def meets_password_policy(password: str) -> bool:
    """True when the password meets the pool's policy.

    Checked here, before a call that sets a password, so the answer cannot depend on the account:
    the pool may judge the password of a known address before its code, while it answers an
    unknown address (PreventUserExistenceErrors) without looking at the password at all.
    """
    policy = _described()["Policies"]["PasswordPolicy"]
    inner = password[1:-1]
    checks = (
        len(password) >= policy.get("MinimumLength", 8),
        not policy.get("RequireUppercase") or any("A" <= c <= "Z" for c in password),
        not policy.get("RequireLowercase") or any("a" <= c <= "z" for c in password),
        not policy.get("RequireNumbers") or any("0" <= c <= "9" for c in password),
        not policy.get("RequireSymbols") or bool(SYMBOLS & set(password)) or " " in inner,
    )
    return all(checks)


def required_attributes() -> list[tuple[str, str]]:
    """(attribute, label) for each attribute the pool requires at sign-up, besides email."""
    found = []
    for attribute in _described().get("SchemaAttributes", []):
        name = attribute["Name"]
        if attribute.get("Required") and name not in ("email", "sub"):
            found.append((name, str(LABELS.get(name, name))))
    return found
