"""Print the bytes of each brand's sign-in page with everything it loads (HTML, CSS, logo).

Run: .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402

ASSET = re.compile(r'(?:href|src)="(/(?:static|brand)/[^"]+)"')
# The budget for the sign-in page with everything it loads, uncompressed.
BUDGET = 10 * 1024
# Local mode answers its own base URL's host name only (others are redirected to it).
BASE = "http://localhost:8000"


def weigh(client, client_id: str) -> tuple[int, dict[str, int]]:
    """The sign-in page's own bytes and each asset's, as the browser would fetch them."""
    page = client.get(f"/login?client_id={client_id}", base_url=BASE)
    assert page.status_code == 200, f"/login answered {page.status_code}"
    html = page.get_data()
    assets = {}
    for path in sorted(set(ASSET.findall(html.decode()))):
        assets[path] = len(client.get(path, base_url=BASE).get_data())
    return len(html), assets


def main() -> None:
    """Print one line per brand, then the parts."""
    with tempfile.TemporaryDirectory() as data:
        app = create_app({"data_dir": data})
        client = app.test_client()
        for client_id in ("default", "demo", "northwind"):
            html, assets = weigh(client, client_id)
            total = html + sum(assets.values())
            parts = ", ".join(f"{Path(p).name} {n}" for p, n in assets.items())
            print(
                f"{client_id:10} total {total:6d} bytes = {total / BUDGET:.2f} x the 10 KB budget"
                f"  (HTML {html}; {parts})"
            )


if __name__ == "__main__":
    main()
