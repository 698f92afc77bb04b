"""Local mode keeps one host name (issue 9, observation 7): 127.0.0.1 goes to the base URL."""

from __future__ import annotations


def test_a_get_on_another_host_name_goes_to_the_same_path_on_the_base_url(client):
    response = client.get("/demo?client=northwind", base_url="http://127.0.0.1:8000")
    assert response.status_code == 302
    assert response.location == "http://localhost:8000/demo?client=northwind"
    plain = client.get("/login", base_url="http://127.0.0.1:8000")
    assert plain.location == "http://localhost:8000/login"


def test_the_base_url_host_is_served(client):
    assert client.get("/login").status_code == 200


def test_a_post_is_never_redirected(client):
    # A redirected POST would lose its body; the CSRF check answers it instead.
    response = client.post("/login", base_url="http://127.0.0.1:8000", data={})
    assert response.status_code == 400


def test_network_peers_are_refused_in_local_mode(client):
    response = client.get("/_dev/mail", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 403
    assert client.get("/_dev/mail", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/_dev/mail").status_code == 200  # the test client is 127.0.0.1


def test_a_forwarded_header_cannot_make_a_network_peer_look_local(make_app):
    app = make_app(trusted_proxies=1)
    response = app.test_client().post(
        "/_localpool",
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
        headers={"X-Forwarded-For": "127.0.0.1"},
    )
    assert response.status_code == 403


def test_the_dangerous_setting_lets_network_peers_in(make_app):
    app = make_app(dangerously_serve_local_mode_on_network=True)
    response = app.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200


ADMIN_CALL = {
    "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUsers",
    "Authorization": "AWS4-HMAC-SHA256 Credential=any",  # any signature passes locally
    "Content-Type": "application/x-amz-json-1.1",
}
LIST_USERS = '{"UserPoolId": "us-east-1_gatehouse"}'


def test_a_page_on_another_site_cannot_reach_the_admin_api_through_dns_rebinding(client):
    # A site whose name resolves to 127.0.0.1 makes the browser a loopback peer, same-origin
    # with itself: no CORS stands in the way. Only the Host header tells it apart.
    response = client.post(
        "/_localpool",
        base_url="http://rebound.evil.example:8000",
        headers=ADMIN_CALL,
        data=LIST_USERS,
    )
    assert response.status_code == 400
    assert b"Users" not in response.data
    assert client.get("/_dev/mail", base_url="http://rebound.evil.example:8000").status_code == 400
    # This machine's own names still work (the GET goes on to the base URL).
    same = client.post("/_localpool", headers=ADMIN_CALL, data=LIST_USERS)
    assert same.status_code == 200
    assert client.get("/login", base_url="http://[::1]:8000").status_code == 302


def test_a_network_client_behind_a_trusted_proxy_on_this_machine_is_refused(make_app):
    # The proxy is a loopback peer; the client it names is not.
    app = make_app(trusted_proxies=1)
    response = app.test_client().get("/_dev/mail", headers={"X-Forwarded-For": "198.51.100.9"})
    assert response.status_code == 403
    local = app.test_client().get("/_dev/mail", headers={"X-Forwarded-For": "127.0.0.1"})
    assert local.status_code == 200


def test_a_path_with_a_line_break_is_redirected_quoted_not_a_500(client):
    response = client.get("/login%0d%0aSet-Cookie:%20x=1", base_url="http://127.0.0.1:8000")
    assert response.status_code == 302
    assert response.location == "http://localhost:8000/login%0D%0ASet-Cookie:%20x=1"
    assert "Set-Cookie" not in response.headers
    odd = client.get("/magic/a%3Fb%23c", base_url="http://127.0.0.1:8000")
    assert odd.location == "http://localhost:8000/magic/a%3Fb%23c"  # still the same path
