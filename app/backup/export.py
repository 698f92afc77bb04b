"""``flask users export FILE``: every user of the pool as one JSON line each, resumable.

ListUsers is paged at 60 users a page (Cognito's most). After each page is written and flushed
to disk, a side file ``FILE.resume`` records the next page's token, the users written so far and
the file's length at that point. A run that stops (a crash, Ctrl-C, a throttle that does not
pass) leaves it behind; the next run cuts the file back to that length, so a page half written
is dropped, and goes on from that token: no user is missing or written twice. The side file is
removed when the last page is in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.userpool.errors import NotFound

from .patience import Patient

PAGE = 60  # ListUsers' largest page


@dataclass
class Exported:
    """What an export did: users written in all, those written by this run, and vanished ones
    (deleted between ListUsers and AdminGetUser)."""

    total: int = 0
    this_run: int = 0
    vanished: int = 0
    resumed: bool = False


def side_file(path: Path) -> Path:
    """Where an export keeps its place."""
    return path.with_name(path.name + ".resume")


def export_users(
    pool: Patient,
    path: Path,
    *,
    resume: bool | None = None,
    on_page: Callable[[int], None] = lambda _: None,
) -> Exported:
    """Write every user to ``path``; go on from the side file when there is one (``resume``
    None), or demand it (True) or ignore it (False). ``on_page(n)`` is told of the users
    already written, then of each page's."""
    place = _place(path, resume)
    done = Exported(total=place["count"], resumed=bool(place["count"] or place["token"]))
    on_page(done.total)  # a resumed export's bar starts where the last run stopped
    with path.open("r+b" if done.resumed else "wb") as out:
        out.truncate(place["bytes"])
        out.seek(place["bytes"])
        token = place["token"]
        while True:
            params: dict[str, Any] = {"Limit": PAGE}
            if token:
                params["PaginationToken"] = token
            page = pool.call("ListUsers", **params)
            lines = []
            for listed in page.get("Users", []):
                record = user_record(pool, listed)
                if record is None:
                    done.vanished += 1
                    continue
                lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            out.write("".join(lines).encode())
            out.flush()
            os.fsync(out.fileno())
            done.total += len(lines)
            done.this_run += len(lines)
            token = page.get("PaginationToken")
            if token:
                _keep_place(path, {"token": token, "count": done.total, "bytes": out.tell()})
            on_page(len(lines))
            if not token:
                break
    side_file(path).unlink(missing_ok=True)
    return done


def user_record(pool: Patient, listed: dict[str, Any]) -> dict[str, Any] | None:
    """One user as exported: attributes, status, enabled, MFA settings, linked identities and
    groups; None when the user was deleted after being listed."""
    username = listed["Username"]
    try:
        user = pool.call("AdminGetUser", Username=username)
        groups = _groups(pool, username)
    except NotFound:
        return None
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes", [])}
    identities = json.loads(attributes.pop("identities", "") or "[]")
    return {
        "username": username,
        "attributes": attributes,
        "status": user.get("UserStatus", listed.get("UserStatus")),
        "enabled": user.get("Enabled", listed.get("Enabled", True)),
        "created": _timestamp(user.get("UserCreateDate")),
        "modified": _timestamp(user.get("UserLastModifiedDate")),
        "mfa": {
            "settings": user.get("UserMFASettingList", []),
            "preferred": user.get("PreferredMfaSetting"),
        },
        "identities": identities,
        "groups": groups,
    }


def _groups(pool: Patient, username: str) -> list[dict[str, Any]]:
    """The user's groups (every page), each with what CreateGroup needs to make it again."""
    groups, token = [], None
    while True:
        params: dict[str, Any] = {"Username": username, "Limit": PAGE}
        if token:
            params["NextToken"] = token
        page = pool.call("AdminListGroupsForUser", **params)
        for group in page.get("Groups", []):
            groups.append(
                {
                    key: group[name]
                    for key, name in (
                        ("name", "GroupName"),
                        ("description", "Description"),
                        ("precedence", "Precedence"),
                        ("role_arn", "RoleArn"),
                    )
                    if name in group
                }
            )
        token = page.get("NextToken")
        if not token:
            return groups


def _timestamp(value: Any) -> str | None:
    """boto3 gives dates as datetimes; the file keeps them as ISO 8601."""
    return value.isoformat() if isinstance(value, datetime) else value


def _place(path: Path, resume: bool | None) -> dict[str, Any]:
    """Where to start: the side file's place, or the beginning."""
    side = side_file(path)
    start = {"token": None, "count": 0, "bytes": 0}
    if resume is False or (resume is None and not side.exists()):
        side.unlink(missing_ok=True)  # an old place must not apply to the new file
        return start
    if not side.exists():
        raise FileNotFoundError(f"{side} does not exist: there is no export to resume")
    place = json.loads(side.read_text())
    if not path.exists() or path.stat().st_size < place["bytes"]:
        raise ValueError(f"{path} is shorter than {side} says: start the export again")
    return place


def _keep_place(path: Path, place: dict[str, Any]) -> None:
    """Write the side file whole or not at all (a crash mid-write keeps the previous one)."""
    side = side_file(path)
    temporary = side.with_name(side.name + ".tmp")
    with temporary.open("w") as out:
        json.dump(place, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, side)
