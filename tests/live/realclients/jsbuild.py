"""The browser apps under test: `npm ci` in tests/js and an esbuild bundle, both cached.

The accessibility check takes only the installed packages (``install``: axe-core).

The pinned packages come from the npm registry at test time (tests/js/package-lock.json); the
bundles are written to test-artifacts/js/, outside git. Each step runs again only when its
inputs change, so a second run costs a digest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
JS = ROOT / "tests" / "js"
BUILD = ROOT / "test-artifacts" / "js"
INSTALLED = JS / "node_modules" / ".gatehouse-lock-digest"
BUILT = BUILD / ".gatehouse-source-digest"


def _digest(paths: list[Path]) -> str:
    """One SHA-256 over the contents of some files, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(JS).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _tools() -> tuple[str, str]:
    """node and npm; in CI their absence fails the run (.ci/run installs them), else skips."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("CI") == "true":
        raise RuntimeError("node and npm are not installed; .ci/run installs them")
    pytest.skip("node and npm are not installed (apt-get install nodejs npm)")


def _run(command: list[str], timeout: float) -> None:
    """Run one command in tests/js; its output is shown only when it fails."""
    done = subprocess.run(command, cwd=JS, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def install() -> Path:
    """Install the pinned packages when the lock file changed; returns tests/js/node_modules."""
    _, npm = _tools()
    lock = _lock_digest()
    if not INSTALLED.exists() or INSTALLED.read_text() != lock:
        _run([npm, "ci", "--no-audit", "--no-fund"], timeout=600)
        INSTALLED.write_text(lock)
    return INSTALLED.parent


def _lock_digest() -> str:
    """The digest of the package list and its lock file."""
    return _digest([JS / "package.json", JS / "package-lock.json"])


def build() -> Path:
    """Install the pinned packages and bundle the apps when needed; returns the build folder."""
    node, _ = _tools()
    install()
    lock = _lock_digest()
    sources = sorted(p for p in JS.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    source = _digest(sources)
    if not BUILT.exists() or BUILT.read_text() != f"{lock}{source}":
        shutil.rmtree(BUILD, ignore_errors=True)
        _run([node, "build.mjs", str(BUILD)], timeout=120)
        BUILT.write_text(f"{lock}{source}")
    return BUILD
