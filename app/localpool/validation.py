"""Read an API request body and check it against botocore's service model, as Cognito does.

Cognito refuses a body it cannot read as the operation's input (not UTF-8 JSON, not an object,
a member of the wrong type) with ``SerializationException``, and one whose values break the
model's constraints (a required member missing, a length, range, enum or pattern) with
``InvalidParameterException`` and its "N validation errors detected" message. Both happen
before the operation runs, so an operation only ever sees the types its model promises.
Members the model does not know are dropped, and a string holding a lone surrogate (valid in
JSON's ``\\ud800`` escapes, not in UTF-8, so never storable in SQLite) is refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Any

import botocore.session
import regex

from .errors import PoolError, invalid_parameter

MAX_BODY = 1024 * 1024  # bytes; Cognito's requests are small, and this bounds parsing
_SURROGATE = regex.compile(r"[\ud800-\udfff]")
# Java's \w, \s and \d, which the model's patterns are written in, are ASCII-only;
# the regex module's are Unicode (and its ASCII flag would narrow \p{L} too).
_JAVA_CLASSES = {"w": "A-Za-z0-9_", "s": " \\t\\n\\x0b\\f\\r", "d": "0-9"}


def serialization_error(message: str) -> PoolError:
    """The SerializationException Cognito answers for a body it cannot read."""
    return PoolError("SerializationException", message)


def too_large() -> PoolError:
    """The answer for a body over MAX_BODY (HTTP 413, in Cognito's error shape)."""
    return PoolError(
        "InvalidParameterException",
        f"The request body is larger than {MAX_BODY} bytes.",
        status=413,
    )


def parse_request(operation: str, body: bytes) -> dict[str, Any]:
    """The parameters of a request to ``operation``, checked against its input shape."""
    if len(body) > MAX_BODY:
        raise too_large()
    try:
        params = json.loads(body.decode("utf-8") or "{}", parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError is a ValueError; RecursionError is deep nesting.
        raise serialization_error("The request body is not valid UTF-8 JSON.") from exc
    shape = input_shape(operation)
    if not isinstance(params, dict):
        raise serialization_error("The request body must be a JSON object.")
    problems: list[str] = []
    checked = _structure(shape, params, "", problems) if shape is not None else {}
    if problems:
        count = len(problems)
        noun = "validation error" if count == 1 else "validation errors"
        raise invalid_parameter(f"{count} {noun} detected: " + "; ".join(problems))
    return checked


def _no_constant(name: str) -> None:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not JSON")


@functools.cache
def input_shape(operation: str):
    """The operation's input shape in botocore's model of cognito-idp (loaded once)."""
    model = _service_model()
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation).input_shape


@functools.cache
def _service_model():
    """botocore's service model for cognito-idp."""
    return botocore.session.get_session().get_service_model("cognito-idp")


def _member_path(parent: str, name: str) -> str:
    """Cognito names a member lowerCamelCase, dotted from the top ("userAttributes.1.member")."""
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


def check(shape, value: Any, path: str, problems: list[str]) -> Any:
    """Check one value against its shape; returns it with unknown members dropped."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise serialization_error(f"Expected an object at '{path}'.")
        if shape.is_document_type:
            return value  # a document (a passkey's credential, say) is any JSON object
        return _structure(shape, value, path, problems)
    if kind == "list":
        if not isinstance(value, list):
            raise serialization_error(f"Expected a list at '{path}'.")
        _bounds(shape, len(value), value, path, problems, "length")
        return [
            _element(shape.member, item, f"{path}.{i}.member", problems)
            for i, item in enumerate(value, 1)
        ]
    if kind == "map":
        if not isinstance(value, dict):
            raise serialization_error(f"Expected a map at '{path}'.")
        _bounds(shape, len(value), value, path, problems, "length")
        return {
            check(shape.key, key, f"{path}.key", problems): _element(
                shape.value, item, f"{path}.value", problems
            )
            for key, item in value.items()
        }
    if kind == "string":
        return _string(shape, value, path, problems)
    return _scalar(shape, value, path, problems)


def _structure(shape, value: dict[str, Any], path: str, problems: list[str]) -> dict[str, Any]:
    """Check a structure's members; a null member counts as absent, as in AWS's JSON protocol."""
    checked = {}
    for name, member in shape.members.items():
        if value.get(name) is not None:
            checked[name] = check(member, value[name], _member_path(path, name), problems)
        elif name in shape.required_members:
            _fail(problems, None, None, _member_path(path, name), "not be null")
    return checked


def _element(shape, value: Any, path: str, problems: list[str]) -> Any:
    """A list element or map value, which may not be null."""
    if value is None:
        _fail(problems, None, None, path, "not be null")
        return None
    return check(shape, value, path, problems)


def _string(shape, value: Any, path: str, problems: list[str]) -> str:
    """A string: UTF-8-encodable, within its length, enum and pattern."""
    if not isinstance(value, str):
        raise serialization_error(f"Expected a string at '{path}'.")
    if _SURROGATE.search(value):
        raise serialization_error(f"The string at '{path}' is not valid Unicode.")
    _bounds(shape, len(value), value, path, problems, "length")
    meta = shape.metadata
    enum = shape.enum
    if enum and value not in enum:
        _fail(problems, shape, value, path, f"satisfy enum value set: [{', '.join(enum)}]")
    elif "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
        pattern = meta["pattern"]
        _fail(problems, shape, value, path, f"satisfy regular expression pattern: {pattern}")
    return value


def _scalar(shape, value: Any, path: str, problems: list[str]) -> Any:
    """Booleans, integers, timestamps and blobs."""
    kind = shape.type_name
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("timestamp", "double", "float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "blob":
        ok = isinstance(value, str) and _is_base64(value)
    else:
        ok = False
    if not ok:
        raise serialization_error(f"Expected a {kind} at '{path}'.")
    if kind in ("integer", "long"):
        _bounds(shape, value, value, path, problems, "value")
    return value


def _is_base64(value: str) -> bool:
    """A blob travels as base64 text."""
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _bounds(shape, size: int, value: Any, path: str, problems: list[str], what: str) -> None:
    """The model's ``min``/``max``: a length for strings, lists and maps, a range for numbers."""
    meta = shape.metadata
    if "min" in meta and size < meta["min"]:
        _fail(problems, shape, value, path, f"have {what} greater than or equal to {meta['min']}")
    elif "max" in meta and size > meta["max"]:
        _fail(problems, shape, value, path, f"have {what} less than or equal to {meta['max']}")


def _fail(problems: list[str], shape, value: Any, path: str, rule: str) -> None:
    """Note one problem in Cognito's words; a sensitive value (password, token) is not repeated."""
    if value is None:
        shown = " null"
    elif shape.metadata.get("sensitive") or not isinstance(value, str | int):
        shown = ""
    else:
        text = str(value)
        shown = f" '{text[:64]}...'" if len(text) > 64 else f" '{text}'"
    problems.append(f"Value{shown} at '{path}' failed to satisfy constraint: Member must {rule}")


@functools.cache
def _pattern(java: str) -> regex.Pattern:
    """A model pattern (Java syntax) compiled with Java's ASCII meaning of \\w, \\s and \\d."""
    out, in_class, i = [], False, 0
    while i < len(java):
        char = java[i]
        if char == "\\" and i + 1 < len(java):
            escape = java[i + 1]
            if escape in _JAVA_CLASSES:
                chars = _JAVA_CLASSES[escape]
                out.append(chars if in_class else f"[{chars}]")
            elif escape.lower() in _JAVA_CLASSES and not in_class:
                out.append(f"[^{_JAVA_CLASSES[escape.lower()]}]")
            elif escape == "S" and java[i - 1 : i + 3] == "[\\S]":
                out.append("^" + _JAVA_CLASSES["s"])
            else:
                out.append(java[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return regex.compile("".join(out))
