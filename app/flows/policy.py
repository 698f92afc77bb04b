"""What the sign-up and password pages must show from the pool's settings (DescribeUserPool).

The description is cached for five minutes per app: the password policy is shown before a
person types, and the pool's required attributes become sign-up fields.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

CACHE_SECONDS = 300
CACHE_KEY = "gatehouse.pool_description"
# Labels for Cognito's standard attributes (every one a pool may require besides email); a
# custom attribute shows its own name.
LABELS = {
    "address": _l("Address"),
    "birthdate": _l("Date of birth"),
    "family_name": _l("Last name"),
    "gender": _l("Gender"),
    "given_name": _l("First name"),
    "locale": _l("Language"),
    "middle_name": _l("Middle name"),
    "name": _l("Full name"),
    "nickname": _l("Nickname"),
    "phone_number": _l("Phone number"),
    "picture": _l("Picture URL"),
    "preferred_username": _l("Username"),
    "profile": _l("Profile URL"),
    "updated_at": _l("Last updated"),
    "website": _l("Website"),
    "zoneinfo": _l("Time zone"),
}
# Each rule a whole sentence: how "contains" joins its object differs between languages.
CONTAINS = (
    ("RequireUppercase", _l("Contains an uppercase letter")),
    ("RequireLowercase", _l("Contains a lowercase letter")),
    ("RequireNumbers", _l("Contains a number")),
    ("RequireSymbols", _l("Contains a symbol")),
)


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
    length = policy.get("MinimumLength", 8)
    rules = [ngettext("At least %(num)d character", "At least %(num)d characters", length)]
    return rules + [str(rule) for flag, rule in CONTAINS if policy.get(flag)]


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
