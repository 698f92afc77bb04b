"""docs/grafana-dashboard.json charts every metric Gatehouse exports, and only those."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.observability.metrics import Metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"


def test_the_dashboard_charts_every_metric_and_names_no_other():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    used = {
        re.sub(r"_(bucket|total)$", "", name)
        for panel in panels
        for target in panel["targets"]
        for name in re.findall(r"gatehouse_[a-z_]+", target["expr"])
    }
    exported = {family.name for family in Metrics().registry.collect()}
    assert used == exported
