"""The local pool's seed file: bad keys and missing files stop start-up, naming them."""

from __future__ import annotations

import pytest

from app.config import DEFAULT_SEED
from app.localpool.seed import SeedError, load_seed

BASE = "http://localhost:8000"


def test_default_seed_has_the_demo_and_gatehouse_clients():
    seed = load_seed(DEFAULT_SEED, base_url=BASE)
    assert set(seed.clients) == {"demo", "northwind", "gatehouse", "m2m"}
    assert not seed.clients["demo"].secret and seed.clients["gatehouse"].secret
    assert seed.clients["demo"].allowed_oauth_flows == ["code", "implicit"]


def test_default_seed_declares_a_resource_server_for_the_m2m_client():
    seed = load_seed(DEFAULT_SEED, base_url=BASE)
    api = seed.resource_servers["demo-api"]
    assert api.name and all(scope.scope_description for scope in api.scopes)
    m2m = seed.clients["m2m"]
    assert m2m.secret and m2m.allowed_oauth_flows == ["client_credentials"]
    assert m2m.allowed_oauth_scopes == api.scope_names() == ["demo-api/read", "demo-api/write"]


def test_every_seeded_url_follows_the_base_url():
    seed = load_seed(DEFAULT_SEED, base_url="https://id.example.com:9443")
    urls = [u for c in seed.clients.values() for u in c.callback_urls + c.logout_urls]
    assert urls and all(u.startswith("https://id.example.com:9443/") for u in urls)
    assert "https://id.example.com:9443/demo/callback" in seed.clients["demo"].callback_urls
    assert seed.clients["demo"].logout_urls == ["https://id.example.com:9443/"]


def test_a_custom_seed_may_use_base_and_the_app_fills_it_in(make_app, tmp_path):
    seed = tmp_path / "custom.toml"
    seed.write_text(
        "[[clients]]\nid = 'shop'\ncallback_urls = ['{base}/shop/cb', 'https://shop.example/cb']\n"
    )
    app = make_app(localpool_seed=seed, base_url="http://127.0.0.1:9000/")
    client = app.extensions["gatehouse.localpool"].clients["shop"]
    assert client.callback_urls == ["http://127.0.0.1:9000/shop/cb", "https://shop.example/cb"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[pool]\ncolour = 'red'\n", "pool.colour"),
        ("[pool.password_policy]\nminimum = 3\n", "pool.password_policy.minimum"),
        ("[pool.lambda_config]\nPreSignIn = 'x:y'\n", "pool.lambda_config.PreSignIn"),
        ("[pool.throttle]\nUserEverything = 1\n", "pool.throttle.UserEverything"),
        ("[[clients]]\nid = 'a'\ncallbacks = []\n", "clients[0].callbacks"),
        ("[extras]\n", "extras"),
        (
            "[[resource_servers]]\nidentifier = 'a'\nname = 'A'\nurl = 'x'\n",
            "resource_servers[0].url",
        ),
        (
            "[[resource_servers]]\nidentifier = 'a'\nname = 'A'\nscopes = [{ name = 'r' }]\n",
            "resource_servers[0].scopes[0].name",
        ),
        ("[[resource_servers]]\nname = 'A'\n", "resource_servers[0].identifier"),
        (
            "[[clients]]\nid = 'a'\nallowed_oauth_scopes = ['openid', 'api/read']\n",
            "clients[0].allowed_oauth_scopes",
        ),
        (
            "[[resource_servers]]\nidentifier = 'api'\nname = 'API'\n"
            "scopes = [{ scope_name = 'read' }]\n"
            "[[clients]]\nid = 'a'\nallowed_oauth_scopes = ['api/read']\n"
            "[[clients]]\nid = 'b'\nallowed_oauth_scopes = ['api/write']\n",
            "clients[1].allowed_oauth_scopes",
        ),
        ("[[pool.custom_attributes]]\nname = 'custom:team'\n", "pool.custom_attributes[0].name"),
        ("[[pool.custom_attributes]]\nname = 't'\ntype = 'Date'\n", "custom_attributes[0].type"),
        ("[[pool.custom_attributes]]\nname = 't'\nsize = 3\n", "custom_attributes[0].size"),
        (
            "[[pool.custom_attributes]]\nname = 't'\n[[pool.custom_attributes]]\nname = 't'\n",
            "pool.custom_attributes[1].name",
        ),
        (
            "[[users]]\nemail = 'a@example.com'\npassword = 'x'\n"
            "attributes = { 'custom:team' = 'blue' }\n",
            "users[0].attributes",
        ),
        ("[[clients]]\nid = 'a'\nread_attributes = ['email', 'colour']\n", "read_attributes"),
        ("[[clients]]\nid = 'a'\nwrite_attributes = ['custom:team']\n", "write_attributes"),
        # The pool's required attribute (email) must be writable.
        ("[[clients]]\nid = 'a'\nwrite_attributes = ['name']\n", "clients[0].write_attributes"),
    ],
)
def test_an_unknown_missing_or_undeclared_key_is_named_with_the_file(tmp_path, text, key):
    path = tmp_path / "seed.toml"
    path.write_text(text)
    with pytest.raises(SeedError) as exc:
        load_seed(path, base_url=BASE)
    assert str(path) in str(exc.value) and key in str(exc.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SeedError, match="seed.toml"):
        load_seed(tmp_path / "seed.toml", base_url=BASE)


def test_seed_users_are_created_once(make_app, tmp_path):
    seed = tmp_path / "users.toml"
    seed.write_text(
        DEFAULT_SEED.read_text()
        + '\n[[users]]\nemail = "Seeded@Example.com"\npassword = "Corr3ct-horse"\n'
    )
    app = make_app(localpool_seed=seed)
    idp = app.extensions["gatehouse.userpool"].client
    out = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "seeded@example.com", "PASSWORD": "Corr3ct-horse"},
    )
    assert out["AuthenticationResult"]["AccessToken"]
    app.extensions["gatehouse.localpool"].close()
    again = make_app(localpool_seed=seed)  # the same data directory: no duplicate
    users = again.extensions["gatehouse.userpool"].client.list_users(
        UserPoolId="us-east-1_gatehouse", Filter='email = "seeded@example.com"'
    )["Users"]
    assert len(users) == 1


def test_the_default_seed_has_a_confirmed_demo_user_who_can_sign_in(app):
    seed = load_seed(DEFAULT_SEED, base_url=BASE)
    (demo,) = [u for u in seed.users if u.email == "demo@example.com"]
    assert demo.password == "Demo-passw0rd" and demo.confirmed
    idp = app.extensions["gatehouse.userpool"].client
    out = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "demo@example.com", "PASSWORD": "Demo-passw0rd"},
    )
    assert out["AuthenticationResult"]["IdToken"]
    user = idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username="demo@example.com")
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED" and attrs["email_verified"] == "true"


def test_seed_custom_attributes_are_the_schemas_and_seed_users_may_have_them(tmp_path):
    path = tmp_path / "seed.toml"
    path.write_text(
        "[[pool.custom_attributes]]\nname = 'team'\nmax_length = 16\n"
        "[[users]]\nemail = 'a@example.com'\npassword = 'x'\n"
        "attributes = { 'custom:team' = 'blue' }\n"
    )
    seed = load_seed(path, base_url=BASE)
    (team,) = seed.pool.custom_attributes
    assert (team.full_name, team.type, team.mutable, team.max_length) == (
        "custom:team",
        "String",
        True,
        16,
    )
