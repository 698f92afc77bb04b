"""A login spike at five times the pool's quota, across two gunicorn processes sharing one
budget in Redis: everyone who follows the "you're in line" page is signed in, nobody sees an
error page, and the pool's quota is used almost whole (bench/spike.py's crowd, smaller)."""

from __future__ import annotations

import importlib.util
import sys

from tests.live.conftest import ROOT

SHOTS = ROOT / "test-artifacts" / "screenshots"
QUOTA = 2.0  # sign-ins per second the local pool allows
PEOPLE = 20
SECONDS = 2.0  # 20 people in 2 s: five times the quota


def _bench():
    """bench/spike.py, loaded as a module (bench/ holds scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("spike", ROOT / "bench" / "spike.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["spike"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_spike_across_two_processes_on_redis_signs_everyone_in_without_an_error(tmp_path):
    spike = _bench()
    seed = tmp_path / "seed.toml"
    seed.write_text(spike.seed_text(PEOPLE, QUOTA))
    with (
        spike.redis_server() as url,
        spike.gatehouse(
            WEB_CONCURRENCY="2", GATEHOUSE_REDIS_URL=url, GATEHOUSE_LOCALPOOL_SEED=str(seed)
        ) as base,
    ):
        crowd = spike.spike(base, PEOPLE, SECONDS, follow_line=True)
    assert sum(p.error_pages for p in crowd) == 0, [p.errors for p in crowd if p.errors]
    assert all(p.done is not None for p in crowd)
    # Most of the crowd waited in line (202) rather than at an error page.
    assert sum(202 in p.statuses for p in crowd) >= PEOPLE // 2
    first = min(p.arrived for p in crowd)
    goodput = PEOPLE / (max(p.done for p in crowd) - first)
    assert goodput >= 0.8 * QUOTA


def test_a_real_browser_waits_in_line_and_is_signed_in_without_script(tmp_path):
    """Chromium with JavaScript off: the 202 page's Refresh header reaches /login/resume, which
    signs the person in when the turn comes."""
    from tests.live.conftest import SEED, chromium_browser, start

    # 0.25 calls per second (0.2375 budgeted): a second sign-in right after a first waits ~4 s.
    seed = SEED.read_text().replace("[pool.throttle]", "[pool.throttle]\nUserAuthentication = 0.25")
    seed += "".join(
        f'\n[[users]]\nemail = "line-{i}@example.com"\npassword = "Corr3ct-horse"\n'
        for i in range(2)
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    proc, server = start(tmp_path, seed, GATEHOUSE_ADMISSION_WAIT_SECONDS="1")
    try:
        with chromium_browser() as browser:
            statuses = []
            for i in range(2):
                context = browser.new_context(java_script_enabled=False)
                page = context.new_page()
                page.on("response", lambda r: statuses.append((r.url.split("/")[-1], r.status)))
                page.goto(f"{server.url}/login")
                page.fill("input[name=email]", f"line-{i}@example.com")
                page.fill("input[name=password]", "Corr3ct-horse")
                page.click("button[type=submit]")
                if i == 1:
                    assert page.locator("h1").inner_text() == "You're in line"
                    page.screenshot(path=str(SHOTS / "line.png"))
                page.wait_for_url(f"{server.url}/account", timeout=20_000)
                context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert ("login", 202) in statuses and ("resume", 302) not in statuses
    assert any(name == "resume" for name, _ in statuses)
