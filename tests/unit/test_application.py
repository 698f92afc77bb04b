"""Gatehouse's Flask class (app/web/application.py): the same answers as Flask's, found once."""

from __future__ import annotations

from unittest import mock

from werkzeug.exceptions import BadRequestKeyError

from app.web.application import KEPT_FUNCTIONS, Application, Values


def test_an_async_view_still_gets_flasks_wrapper():
    """ensure_sync keeps Flask's answer: an ``async def`` gets Flask's sync wrapper (each time
    the same one), a plain function is itself."""
    app = Application(__name__)

    async def asynchronous():
        """An async view."""

    def plain():
        """A plain view."""

    with mock.patch.object(Application, "async_to_sync", return_value="wrapper") as wrap:
        assert app.ensure_sync(asynchronous) == "wrapper"
        assert app.ensure_sync(asynchronous) == "wrapper"
    wrap.assert_called_once_with(asynchronous)
    assert app.ensure_sync(plain) is plain


def test_whether_a_hook_is_a_coroutine_is_asked_once():
    """Twenty hooks per request asked ``inspect`` every time; now once each."""
    app = Application(__name__)

    @app.before_request
    def hook():
        """A hook."""

    @app.get("/")
    def index():
        """A view."""
        return "ok"

    client = app.test_client()
    with mock.patch(
        "flask.app.iscoroutinefunction", wraps=__import__("inspect").iscoroutinefunction
    ) as asked:
        for _ in range(5):
            client.get("/")
    assert asked.call_count <= 3  # hook, view (and nothing per request after the first)


def test_the_kept_answers_are_bounded():
    """Callables made afresh (never the case for hooks) cannot grow the table without end."""
    app = Application(__name__)
    for n in range(KEPT_FUNCTIONS + 50):
        app.ensure_sync(lambda n=n: n)
    assert len(app._sync) == KEPT_FUNCTIONS


def test_values_get_a_missing_name_without_raising():
    """``get`` of a missing name gives the default and builds no exception on the way."""
    values = Values([("lang", "fr"), ("n", "7"), ("n", "8")])
    with mock.patch.object(BadRequestKeyError, "__init__", side_effect=AssertionError):
        assert values.get("missing") is None
        assert values.get("missing", "x") == "x"
    assert values.get("lang") == "fr"
    assert values.get("n", type=int) == 7
    assert values.get("lang", -1, type=int) == -1
    assert values.getlist("n") == ["7", "8"]


def test_requests_use_values_for_query_form_and_cookies():
    """The app's requests parse into ``Values``."""
    app = Application(__name__)
    with app.test_request_context(
        "/?a=1", method="POST", data={"b": "2"}, headers={"Cookie": "c=3"}
    ):
        from flask import request

        assert isinstance(request.args, Values)
        assert isinstance(request.form, Values)
        assert isinstance(request.cookies, Values)
