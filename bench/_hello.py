"""The baseline app: bare Flask answering "hello" (and /healthz, for the start-up wait)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
@app.get("/healthz")
def hello() -> str:
    """The least a Flask view can do."""
    return "hello"
