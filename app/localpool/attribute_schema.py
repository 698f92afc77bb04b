"""The pool's attribute schema: Cognito's standard attributes and the seed's custom ones
(``custom:<name>``), and Cognito's refusals of an attribute that breaks it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import invalid_parameter

# Every user pool has these (Cognito's standard attributes, OpenID Connect's claims).
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "sub",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
CUSTOM_PREFIX = "custom:"
CUSTOM_TYPES = ("String", "Number")
INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass
class CustomAttribute:
    """A custom attribute as CreateUserPool's Schema declares one (``name`` without the
    ``custom:`` prefix, as Cognito takes it); Cognito's defaults for what is left out."""

    name: str
    type: str = "String"
    mutable: bool = True
    min_length: int = 0
    max_length: int = 2048
    min_value: int | None = None
    max_value: int | None = None

    @property
    def full_name(self) -> str:
        """The name users' attributes and tokens carry: ``custom:<name>``."""
        return CUSTOM_PREFIX + self.name

    def problem(self, value: str) -> str | None:
        """Why a value does not fit this attribute's type and constraints, or None."""
        if self.type == "Number":
            # Digits only: Python's int() would also take "4_2", " 42 " and other scripts'
            # digits, which a token's reader could not parse as the number they mean.
            if not INTEGER.fullmatch(value):
                return "Number must be an integer."
            number = int(value)
            if self.min_value is not None and number < self.min_value:
                return f"Number must be greater than or equal to {self.min_value}."
            if self.max_value is not None and number > self.max_value:
                return f"Number must be less than or equal to {self.max_value}."
            return None
        if len(value) > self.max_length:
            return f"String must be no longer than {self.max_length} characters."
        if len(value) < self.min_length:
            return f"String must be no shorter than {self.min_length} characters."
        return None

    def described(self) -> dict[str, Any]:
        """DescribeUserPool's SchemaAttributeType for this attribute."""
        described: dict[str, Any] = {
            "Name": self.full_name,
            "AttributeDataType": self.type,
            "DeveloperOnlyAttribute": False,
            "Mutable": self.mutable,
            "Required": False,
        }
        if self.type == "Number":
            limits = {"MinValue": self.min_value, "MaxValue": self.max_value}
            described["NumberAttributeConstraints"] = {
                k: str(v) for k, v in limits.items() if v is not None
            }
        else:
            described["StringAttributeConstraints"] = {
                "MinLength": str(self.min_length),
                "MaxLength": str(self.max_length),
            }
        return described


class AttributeSchema:
    """Checks the attributes a call writes against the pool's schema, in Cognito's words."""

    def __init__(self, custom: list[CustomAttribute]) -> None:
        self.custom = {attribute.full_name: attribute for attribute in custom}

    def known(self, name: str) -> bool:
        """True for a standard attribute or a declared custom one."""
        return name in STANDARD_ATTRIBUTES or name in self.custom

    def _problems(self, attributes: Mapping[str, str | None], updating: bool) -> list[str]:
        """``name: reason`` for each attribute that breaks the schema (a value of None, an
        attribute being deleted, is not checked against the type)."""
        problems = []
        for name, value in attributes.items():
            attribute = self.custom.get(name)
            if not self.known(name):
                problems.append(f"{name}: Attribute does not exist in the schema.")
            elif attribute is not None and updating and not attribute.mutable:
                problems.append(f"{name}: Attribute cannot be updated.")
            elif (
                attribute is not None and value is not None and (reason := attribute.problem(value))
            ):
                problems.append(f"{name}: {reason}")
        return problems

    def check_new_user(self, attributes: dict[str, str]) -> None:
        """SignUp's and AdminCreateUser's refusal: any attribute may be set, if it exists."""
        problems = self._problems(attributes, updating=False)
        if problems:
            raise invalid_parameter(
                "Attributes did not conform to the schema: " + "".join(f"{p}\n" for p in problems)
            )

    def check_update(self, attributes: dict[str, str | None]) -> None:
        """The refusal of an update (``user.<name>: ...``, a line each; a value of None is a
        deletion): an immutable custom attribute is set only when the user is created."""
        problems = self._problems(attributes, updating=True)
        if problems:
            raise invalid_parameter("".join(f"user.{p}\n" for p in problems))
