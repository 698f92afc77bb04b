"""``flask users export`` and ``import`` against the local pool: what a backup holds, resuming
an interrupted export without losing or repeating a user, throttles waited out, and an import
into a fresh pool that reproduces attributes, status, groups, enabled and links."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import app.localpool.passwords as passwords
from app.backup.export import export_users, side_file
from app.backup.import_ import import_users
from app.backup.patience import Patient
from app.userpool.errors import Throttled, Unavailable

STATUSES = ("CONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "UNCONFIRMED")
GROUPS = ("admins", "staff", "beta")


class Interrupted(Exception):
    """Stands for a crash or Ctrl-C in the middle of an export."""


class StopsAfter(Patient):
    """A pool that fails the ListUsers call after ``pages`` pages, as a crash would."""

    def __init__(self, pool, pages: int) -> None:
        super().__init__(pool)
        self.pages = pages

    def call(self, operation, **params):
        """Count ListUsers pages; the one after the last allowed raises."""
        if operation == "ListUsers":
            if self.pages == 0:
                raise Interrupted
            self.pages -= 1
        return super().call(operation, **params)


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Argon2 at its lowest cost: the import sets a thousand passwords, the suite stays quick."""
    monkeypatch.setattr(
        passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def seed_users(app, count: int) -> None:
    """Put ``count`` varied users straight into the local pool's database (no API, no hashing)."""
    pool = app.extensions["gatehouse.localpool"]
    now = pool.clock()
    with pool.db.transaction() as conn:
        for name in GROUPS:
            conn.execute(
                "INSERT INTO groups VALUES (?, ?, NULL, ?, ?, ?)",
                (name, f"The {name}", GROUPS.index(name), now, now),
            )
        for n in range(count):
            attrs = {"name": f"Person {n}", "email_verified": "true" if n % 3 else "false"}
            if n % 7 == 0:
                attrs["locale"] = "fr"
            user = pool.new_user(
                conn, f"person-{n}@example.com", attrs, None, STATUSES[n % len(STATUSES)]
            )
            if n % 10 == 0:
                user["enabled"] = 0
            if n % 25 == 0:
                user["identities"] = [
                    {
                        "userId": f"g-{n}",
                        "providerName": "Google",
                        "providerType": "Google",
                        "issuer": None,
                        "primary": "false",
                        "dateCreated": "0",
                    }
                ]
            if n % 50 == 0:
                user["mfa_secret"], user["mfa_preferred"] = "JBSWY3DPEHPK3PXP", 1
            pool.save_user(conn, user)
            for g, name in enumerate(GROUPS):
                if n % (g + 2) == 0:
                    conn.execute(
                        "INSERT INTO group_members VALUES (?, ?, ?)", (name, user["sub"], now)
                    )


def lines(path) -> list[dict]:
    """The records of an export file."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def seeded(records: list[dict]) -> list[dict]:
    """The seeded people among exported records (not the seed file's demo user)."""
    return [r for r in records if r["attributes"]["email"].startswith("person-")]


def comparable(record: dict, imported: bool) -> tuple:
    """What an import must reproduce of a user (a status as the import documents it)."""
    status = record["status"]
    if imported and status in ("CONFIRMED", "RESET_REQUIRED"):
        status = "CONFIRMED"
    if imported and status == "UNCONFIRMED":
        status = "FORCE_CHANGE_PASSWORD"
    attributes = {k: v for k, v in record["attributes"].items() if k != "sub"}
    return (
        json.dumps(attributes, sort_keys=True),
        status,
        record["enabled"],
        tuple(sorted(g["name"] for g in record["groups"])),
        tuple((i["providerName"], i["userId"]) for i in record["identities"]),
    )


def test_an_export_holds_every_part_of_a_user(make_app, tmp_path):
    app = make_app()
    seed_users(app, 50)
    out = tmp_path / "users.jsonl"
    done = export_users(Patient(app.extensions["gatehouse.userpool"]), out)
    records = seeded(lines(out))
    assert done.total == 51 and len(records) == 50 and not side_file(out).exists()
    first = next(r for r in records if r["attributes"]["email"] == "person-0@example.com")
    assert first["status"] == "CONFIRMED" and first["enabled"] is False
    assert first["mfa"] == {"settings": ["SOFTWARE_TOKEN_MFA"], "preferred": "SOFTWARE_TOKEN_MFA"}
    assert [i["userId"] for i in first["identities"]] == ["g-0"]
    assert "identities" not in first["attributes"] and first["attributes"]["locale"] == "fr"
    assert {g["name"] for g in first["groups"]} == set(GROUPS)
    assert {"name": "staff", "description": "The staff", "precedence": 1} in first["groups"]


def test_an_export_waits_out_throttling(make_app, tmp_path, clock):
    app = make_app(aws_max_attempts=1, localpool={"throttle": {"UserRead": 5, "UserList": 1}})
    seed_users(app, 30)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        clock.advance(seconds)

    out = tmp_path / "users.jsonl"
    done = export_users(Patient(app.extensions["gatehouse.userpool"], sleep), out)
    assert done.total == 31 and len({r["username"] for r in lines(out)}) == 31
    assert waits  # it was throttled, and went on


def test_a_throttle_that_does_not_pass_stops_without_losing_the_page(make_app, tmp_path):
    app = make_app(aws_max_attempts=1, localpool={"throttle": {"UserRead": 1}})
    seed_users(app, 5)
    out = tmp_path / "users.jsonl"
    with pytest.raises(Throttled):  # the pool's clock stands still: the throttle never passes
        export_users(Patient(app.extensions["gatehouse.userpool"], lambda _: None), out)
    assert out.read_bytes() == b"" and not side_file(out).exists()


def test_resume_demands_an_interrupted_export(make_app, tmp_path):
    app = make_app()
    with pytest.raises(FileNotFoundError):
        export_users(
            Patient(app.extensions["gatehouse.userpool"]), tmp_path / "u.jsonl", resume=True
        )


def test_an_import_run_twice_changes_nothing_more(make_app, tmp_path, cheap_hashing):
    source = make_app()
    seed_users(source, 20)
    out = tmp_path / "users.jsonl"
    export_users(Patient(source.extensions["gatehouse.userpool"]), out)
    target = make_app(data_dir=tmp_path / "target")
    pool = Patient(target.extensions["gatehouse.userpool"])
    first = import_users(pool, out)
    # The demo user is in every local pool's seed: skipped, as any user already present.
    assert (first.created, first.skipped, first.failed) == (20, 1, 0)
    assert first.mfa_dropped == 1 and first.links_failed == 0
    again = import_users(pool, out)
    assert (again.created, again.skipped, again.failed, again.links_failed) == (0, 21, 0, 0)
    assert not list(target.extensions["gatehouse.localpool"].mail.outbox.directory.glob("*.eml"))


class FailsOnce(Patient):
    """A pool whose first call of ``operation`` fails, as an outage would."""

    def __init__(self, pool, operation: str) -> None:
        super().__init__(pool)
        self.operation = operation

    def call(self, operation, **params):
        """Fail the first call of the chosen operation."""
        if operation == self.operation:
            self.operation = ""
            raise Unavailable("InternalErrorException", operation)
        return super().call(operation, **params)


def test_a_user_left_half_imported_is_finished_by_the_next_run(make_app, tmp_path, cheap_hashing):
    source = make_app()
    seed_users(source, 11)
    out = tmp_path / "users.jsonl"
    export_users(Patient(source.extensions["gatehouse.userpool"]), out)
    target = make_app(data_dir=tmp_path / "target")
    gateway = target.extensions["gatehouse.userpool"]
    first = import_users(FailsOnce(gateway, "AdminDisableUser"), out)
    assert (first.created, first.skipped, first.failed) == (10, 1, 1)
    again = import_users(Patient(gateway), out)
    assert (again.created, again.skipped, again.failed) == (0, 12, 0)
    disabled = [r["attributes"]["email"] for r in lines(out) if not r["enabled"]]
    for email in disabled:
        assert gateway.call("AdminGetUser", Username=email)["Enabled"] is False


def test_a_thousand_users_interrupted_halfway_resume_and_import_whole(
    make_app, tmp_path, cheap_hashing
):
    source = make_app()
    seed_users(source, 1000)
    out = tmp_path / "users.jsonl"
    gateway = source.extensions["gatehouse.userpool"]
    with pytest.raises(Interrupted):
        export_users(StopsAfter(gateway, pages=8), out)
    place = json.loads(side_file(out).read_text())
    assert place["count"] == 8 * 60 == len(lines(out))
    with out.open("ab") as torn:  # a crash in the middle of writing the next page
        torn.write(b'{"username": "half a li')
    done = export_users(Patient(gateway), out)
    assert done.resumed and done.this_run == 1001 - 480 and done.total == 1001
    records = lines(out)
    assert len(records) == 1001 and len({r["username"] for r in records}) == 1001
    assert not side_file(out).exists()

    target = make_app(data_dir=tmp_path / "target")
    imported = import_users(Patient(target.extensions["gatehouse.userpool"]), out)
    assert (imported.created, imported.skipped, imported.failed) == (1000, 1, 0)
    copy = tmp_path / "copy.jsonl"
    export_users(Patient(target.extensions["gatehouse.userpool"]), copy)
    want = sorted(comparable(r, imported=True) for r in seeded(records))
    got = sorted(comparable(r, imported=False) for r in seeded(lines(copy)))
    assert got == want


def test_the_commands_show_progress_and_a_summary(make_app, tmp_path, cheap_hashing):
    source = make_app()
    seed_users(source, 12)
    out = tmp_path / "users.jsonl"
    exported = source.test_cli_runner().invoke(args=["users", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "Exported 13 users" in exported.output and "Exporting users" in exported.output
    refused = source.test_cli_runner().invoke(args=["users", "export", str(out), "--resume"])
    assert refused.exit_code != 0 and "no export to resume" in refused.output
    side_file(out).write_text(json.dumps({"token": "stale", "count": 0, "bytes": 0}))
    stale = source.test_cli_runner().invoke(args=["users", "export", str(out)])
    assert stale.exit_code != 0 and "--restart" in stale.output
    restarted = source.test_cli_runner().invoke(args=["users", "export", str(out), "--restart"])
    assert restarted.exit_code == 0 and not side_file(out).exists()
    target = make_app(data_dir=tmp_path / "target")
    imported = target.test_cli_runner().invoke(args=["users", "import", str(out)])
    assert imported.exit_code == 0, imported.output
    assert "Created 12 users, skipped 1 already present, failed 0." in imported.output
    assert "Forgot your password?" in imported.output and "set it up again" in imported.output


def test_an_export_killed_mid_run_resumes_whole(make_app, tmp_path):
    """A real crash: the export command is killed (SIGKILL) halfway, then run again."""
    data = tmp_path / "killed"
    seed_users(make_app(data_dir=data), 600)
    out = tmp_path / "users.jsonl"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "GATEHOUSE_DATA_DIR": str(data), "GATEHOUSE_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "users", "export", str(out)]
    running = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not side_file(out).exists() or json.loads(side_file(out).read_text())["count"] < 240:
        assert running.poll() is None and time.monotonic() < deadline, "the export never got going"
        time.sleep(0.02)
    running.send_signal(signal.SIGKILL)
    running.wait()
    assert side_file(out).exists()
    again = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert "Exported 601 users" in again.stdout and "resumed" in again.stdout
    usernames = [r["username"] for r in lines(out)]
    assert len(usernames) == 601 == len(set(usernames))
