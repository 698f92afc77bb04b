"""Settings: local mode works with nothing set; cognito mode refuses a missing or weak setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import ConfigError, env_names, load_settings

STRONG = "k3Jv9-QpXw2_Lm8ZrT4yHc6NbV1sDfGa0uE7iO5"
COGNITO = {
    "GATEHOUSE_MODE": "cognito",
    "GATEHOUSE_SECRET_KEY": STRONG,
    "GATEHOUSE_USER_POOL_ID": "eu-west-1_AbCdEf123",
    "GATEHOUSE_CLIENT_ID": "abc123",
    "GATEHOUSE_POOL_DOMAIN": "https://login.auth.eu-west-1.amazoncognito.com",
    "GATEHOUSE_BASE_URL": "https://login.example.com",
    "GATEHOUSE_MAIL_FROM": "Example <no-reply@example.com>",
    "GATEHOUSE_MAGIC_LINK_KEY": "m4Gic-LinkKey_9xQ2wE7rT5yU1iO3pA8sD6fG0hJ",
}


def test_local_is_the_default_and_keeps_a_random_secret(tmp_path):
    env = {"GATEHOUSE_DATA_DIR": str(tmp_path)}
    first = load_settings(env)
    assert first.mode == "local" and first.is_local
    assert len(first.secret_key) >= 32
    assert load_settings(env).secret_key == first.secret_key  # the same across restarts
    assert (
        load_settings({"GATEHOUSE_DATA_DIR": str(tmp_path / "other")}).secret_key
        != first.secret_key
    )
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_cognito_mode_with_everything_set():
    settings = load_settings(COGNITO)
    assert settings.mode == "cognito" and settings.secret_key == STRONG


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"GATEHOUSE_SECRET_KEY": ""}, "GATEHOUSE_SECRET_KEY"),
        ({"GATEHOUSE_SECRET_KEY": "short"}, "GATEHOUSE_SECRET_KEY"),
        ({"GATEHOUSE_SECRET_KEY": "a" * 64}, "GATEHOUSE_SECRET_KEY"),
        ({"GATEHOUSE_USER_POOL_ID": ""}, "GATEHOUSE_USER_POOL_ID"),
        ({"GATEHOUSE_CLIENT_ID": ""}, "GATEHOUSE_CLIENT_ID"),
        ({"GATEHOUSE_POOL_DOMAIN": ""}, "GATEHOUSE_POOL_DOMAIN"),
        ({"GATEHOUSE_MAIL_FROM": ""}, "GATEHOUSE_MAIL_FROM"),
        ({"GATEHOUSE_MAGIC_LINK_KEY": ""}, "GATEHOUSE_MAGIC_LINK_KEY"),
        ({"GATEHOUSE_SSO_SECONDS": "-1"}, "GATEHOUSE_SSO_SECONDS"),
        ({"GATEHOUSE_POOL_DOMAIN": "http://login.example.com"}, "GATEHOUSE_POOL_DOMAIN"),
        ({"GATEHOUSE_BASE_URL": "http://login.example.com"}, "GATEHOUSE_BASE_URL"),
        ({"GATEHOUSE_MODE": "production"}, "GATEHOUSE_MODE"),
        ({"GATEHOUSE_AWS_MAX_ATTEMPTS": "three"}, "GATEHOUSE_AWS_MAX_ATTEMPTS"),
        ({"GATEHOUSE_AWS_MAX_ATTEMPTS": "0"}, "GATEHOUSE_AWS_MAX_ATTEMPTS"),
    ],
)
def test_cognito_mode_refuses_and_names_the_setting(change, named):
    env = {k: v for k, v in {**COGNITO, **change}.items() if v != ""}
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


def test_the_app_refuses_to_start(monkeypatch):
    from app import create_app

    for key, value in COGNITO.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GATEHOUSE_SECRET_KEY", "weak")
    with pytest.raises(ConfigError, match="GATEHOUSE_SECRET_KEY"):
        create_app()


def test_port_sets_the_default_base_url(tmp_path):
    assert (
        load_settings({"PORT": "9000", "GATEHOUSE_DATA_DIR": str(tmp_path)}).base_url
        == "http://localhost:9000"
    )


def test_readme_documents_every_setting():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    documented = set(re.findall(r"^\| `(GATEHOUSE_\w+)` \|", readme, flags=re.M))
    assert documented == set(env_names().values())


def test_a_brand_offering_magic_links_needs_the_link_key(monkeypatch):
    from app import create_app

    for key, value in COGNITO.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GATEHOUSE_MAGIC_LINK_KEY")
    with pytest.raises(ConfigError, match="GATEHOUSE_MAGIC_LINK_KEY"):
        create_app()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "gatehouse.internal"])
def test_local_mode_refuses_to_bind_a_network_address(host):
    from app.config import refuse_unsafe_bind

    with pytest.raises(ConfigError, match="GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK"):
        refuse_unsafe_bind(host, {})
    refuse_unsafe_bind(host, {"GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK": "true"})
    refuse_unsafe_bind(host, {"GATEHOUSE_MODE": "cognito"})


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost"])
def test_local_mode_binds_loopback(host):
    from app.config import refuse_unsafe_bind

    refuse_unsafe_bind(host, {})


def test_the_dockerfile_image_refuses_local_mode():
    # The image binds HOST=0.0.0.0; with the default mode it must not start.
    from app.config import refuse_unsafe_bind

    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(re.findall(r"^ENV (.+)$", dockerfile, re.M))))
    assert env["HOST"] == "0.0.0.0"
    with pytest.raises(ConfigError):
        refuse_unsafe_bind(env["HOST"], env)


def test_a_full_disk_at_first_start_leaves_no_broken_secret(tmp_path, monkeypatch):
    import os

    real_fsync = os.fsync

    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        load_settings({"GATEHOUSE_DATA_DIR": str(tmp_path)})
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert len(load_settings({"GATEHOUSE_DATA_DIR": str(tmp_path)}).secret_key) >= 32


def test_an_empty_secret_left_behind_is_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("")
    settings = load_settings({"GATEHOUSE_DATA_DIR": str(tmp_path)})
    assert len(settings.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == settings.secret_key


def test_pool_quotas_come_from_their_category_variables(tmp_path):
    settings = load_settings(
        {
            "GATEHOUSE_DATA_DIR": str(tmp_path),
            "GATEHOUSE_POOL_QUOTA_USER_AUTHENTICATION": "114",
            "GATEHOUSE_POOL_QUOTA_USER_LIST": "0",
        }
    )
    assert settings.pool_quotas == {"UserAuthentication": 114.0, "UserList": 0.0}


@pytest.mark.parametrize(
    "env, value, named",
    [
        ("GATEHOUSE_POOL_QUOTA_USER_AUTH", "10", "GATEHOUSE_POOL_QUOTA_USER_AUTH"),
        ("GATEHOUSE_POOL_QUOTA_USER_READ", "many", "not a valid float"),
        ("GATEHOUSE_POOL_QUOTA_USER_READ", "-1", "0 (no budget) or more"),
        ("GATEHOUSE_ADMISSION_LINE_SECONDS", "1", "GATEHOUSE_ADMISSION_LINE_SECONDS"),
    ],
)
def test_a_bad_quota_setting_is_refused_with_its_name(tmp_path, env, value, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        load_settings({"GATEHOUSE_DATA_DIR": str(tmp_path), env: value})


def test_budgets_sit_under_the_local_pools_throttle_or_cognitos_defaults(make_app):
    from app import quota_rates
    from app.config import Settings

    app = make_app(localpool={"throttle": {"UserAuthentication": 2}})
    admission = app.extensions["gatehouse.userpool"].admission
    assert admission.rates == {"UserAuthentication": pytest.approx(1.9)}
    # A local pool that does not throttle needs no budget.
    assert make_app().extensions["gatehouse.userpool"].admission is None
    cognito = quota_rates(Settings(mode="cognito", pool_quotas={"UserUpdate": 7.0}))
    assert cognito["UserUpdate"] == 7.0
    assert cognito["UserAuthentication"] == pytest.approx(114.0)
    assert cognito["UserList"] == pytest.approx(28.5)
