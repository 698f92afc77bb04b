"""`flask brands check`: keys and files as at start-up, and WCAG contrast of every colour pair
that renders text, in the light and the dark colours."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.brand_check import PAIRS, check_all, contrast, default_colours
from tests.unit.conftest import BRANDING


def write_brand(root: Path, name: str, toml: str) -> Path:
    """A brand folder with this brand.toml."""
    (root / name).mkdir(exist_ok=True)
    path = root / name / "brand.toml"
    path.write_text(f'display_name = "{name}"\n' + toml)
    return path


def check(app, root: Path):
    """Run the command as a product team would, on ``root``."""
    return app.test_cli_runner().invoke(args=["brands", "check", "--dir", str(root)])


def test_wcag_contrast_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#fff", "#ffffff") == pytest.approx(1)
    # #767676 is the lightest grey that passes 4.5:1 on white; #777777 is just below.
    assert contrast("#767676", "#ffffff") >= 4.5 > contrast("#777777", "#ffffff")


def test_defaults_come_from_the_stylesheet():
    defaults = default_colours()
    assert defaults["surface"] == "#ffffff" and defaults["accent"] == "#2952cc"
    assert {pair.fg for pair in PAIRS} | {pair.bg for pair in PAIRS} <= set(defaults)


def test_the_example_brands_pass(app):
    result = check(app, BRANDING)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["default: OK", "demo: OK", "northwind: OK"]


def test_a_pale_accent_on_white_is_refused(app, brands):
    path = write_brand(brands, "pale", '[colors]\naccent = "#eeeeee"\n')
    result = check(app, brands)
    assert result.exit_code == 1
    assert "pale: FAILED" in result.output
    assert (
        f"{path}: colors.accent #eeeeee on colors.surface (default) #ffffff "
        "(links, the brand's name, secondary buttons) is 1.16:1, needs 4.5:1"
    ) in result.output
    assert "demo: OK" in result.output


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p.fg}-on-{p.bg}")
def test_every_pair_that_renders_text_is_checked(brands, pair):
    # The foreground the same colour as its background: unreadable whatever else is set.
    same = default_colours()[pair.bg]
    path = write_brand(brands, "same", f'[colors]\n{pair.fg} = "{same}"\n{pair.bg} = "{same}"\n')
    reasons = check_all(brands)["same"]
    wanted = f"{path}: colors.{pair.fg} {same} on colors.{pair.bg} {same} ({pair.where}) is 1.00:1"
    assert any(reason.startswith(wanted) for reason in reasons), reasons


def test_dark_colours_are_checked_over_the_light_ones(brands):
    path = write_brand(
        brands,
        "dusk",
        '[colors]\naccent = "#2952cc"\n[colors.dark]\nsurface = "#111111"\ntext = "#eeeeee"\n',
    )
    reasons = check_all(brands)["dusk"]
    # Dark text would pass; the light accent left in place is unreadable on the dark surface.
    assert (
        f"{path}: colors.accent #2952cc on colors.dark.surface #111111 "
        "(links, the brand's name, secondary buttons, dark mode) is 2.85:1, needs 4.5:1"
    ) in reasons
    # And the default info background, light in the dark too, under light text.
    assert (
        f"{path}: colors.dark.text #eeeeee on colors.info-bg (default) #eef1f8 "
        "(info messages, dark mode) is 1.02:1, needs 4.5:1"
    ) in reasons
    assert not any("colors.dark.text #eeeeee on colors.dark.surface" in r for r in reasons)
    # The light colours pass on their own.
    assert all("dark mode" in r for r in reasons)


def test_a_ratio_just_below_the_minimum_is_not_rounded_up(brands):
    write_brand(brands, "grey", '[colors]\nmuted = "#777777"\n')
    reasons = check_all(brands)["grey"]
    assert any("colors.muted #777777 on colors.surface (default) #ffffff" in r for r in reasons)
    assert any("is 4.47:1, needs 4.5:1" in r for r in reasons)


def test_start_up_checks_are_reasons_too(brands):
    write_brand(brands, "bad", "sparkle = true\n")
    (brands / "no toml").mkdir()
    shutil.rmtree(brands / "default")
    results = check_all(brands)
    assert results["bad"] == [f"{brands / 'bad' / 'brand.toml'}: unknown key sparkle"]
    assert results["no toml"] == [
        f"{brands / 'no toml'}: a brand folder is named for its app client id"
    ]
    assert results["default"] == [
        f"{brands / 'default' / 'brand.toml'}: missing (the default brand)"
    ]


def test_the_command_runs_when_a_broken_brand_stops_the_app(brands, tmp_path):
    write_brand(brands, "bad", "sparkle = true\n")
    env = dict(os.environ, GATEHOUSE_BRANDING_DIR=str(brands), GATEHOUSE_DATA_DIR=str(tmp_path))
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "wsgi", "brands", "check"],
        cwd=BRANDING.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert f"{brands / 'bad' / 'brand.toml'}: unknown key sparkle" in result.stdout
    assert "Traceback" not in result.stderr


def test_within_the_app_the_command_checks_the_apps_branding_folder(make_app, brands):
    write_brand(brands, "pale", '[colors]\naccent = "#eeeeee"\n')
    app = make_app(branding_dir=brands)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["brands", "check"])
    assert result.exit_code == 1 and "pale: FAILED" in result.output
