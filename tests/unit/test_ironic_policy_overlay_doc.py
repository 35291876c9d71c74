"""docs/ironic-policy.md is generated from the Ironic policy overlay and
must be current (run tools/gen-ironic-overlay-doc after editing it)."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "etc" / "esi-leap" / "ironic-policy-overlay.yaml"
TOOL = ROOT / "tools" / "gen-ironic-overlay-doc"


def test_doc_is_current() -> None:
    out = subprocess.run([sys.executable, str(TOOL), "--check"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


def test_every_overlay_rule_is_documented() -> None:
    rules = yaml.safe_load(OVERLAY.read_text())
    doc = (ROOT / "docs" / "ironic-policy.md").read_text()
    assert rules
    for name, check in rules.items():
        assert f"### `{name}`" in doc
        assert check in doc


def test_overlay_never_lets_lessees_touch_owner_or_bmc_rules() -> None:
    rules = yaml.safe_load(OVERLAY.read_text())
    for name in ("baremetal:node:update:owner",
                 "baremetal:node:update:lessee",
                 "baremetal:node:update:driver_info",
                 "baremetal:node:get:driver_info",
                 "baremetal:node:update"):
        assert "lessee" not in rules[name], name


def test_only_admins_change_ports() -> None:
    """A port's local_link_connection names the switch port esi-leap
    drives: no owner or lessee project may create, change or delete
    ports (issue 14)."""
    rules = yaml.safe_load(OVERLAY.read_text())
    for name in ("baremetal:port:update", "baremetal:port:create",
                 "baremetal:port:delete"):
        assert name in rules, name
        assert "project_id" not in rules[name], name
        assert "owner" not in rules[name] and "lessee" not in rules[name]
