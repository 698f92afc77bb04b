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
