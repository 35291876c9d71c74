"""docs/policy.md is what tools/gen-policy-doc.py makes of the rules."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from oslo_policy import policy as oslo_policy

from esi_leap import policies

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policy.md"
GENERATOR = ROOT / "tools" / "gen-policy-doc.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_policy_doc",
                                                  GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_policy_doc_is_current(gen: ModuleType) -> None:
    assert DOC.read_text() == gen.render(), (
        "docs/policy.md is stale: run python tools/gen-policy-doc.py "
        "(or tox -e policy-doc) and commit the result")


def test_every_rule_is_documented(gen: ModuleType) -> None:
    text = gen.render()
    for rule in policies.list_rules():
        section = text.split(f"### `{rule.name}`\n", 1)[1]
        section = section.split("\n### ", 1)[0]
        assert f"  {rule.check_str}\n" in section, rule.name
        for operation in getattr(rule, "operations", None) or []:
            wanted = f"`{operation['method']} {operation['path']}`"
            assert wanted in " ".join(section.split()), rule.name


def _table_row(text: str, rule: str) -> list[str]:
    [line] = [line for line in text.splitlines()
              if line.startswith(f"| `{rule}` |")]
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_persona_table_follows_the_defaults(gen: ModuleType) -> None:
    text = gen.render()
    assert _table_row(text, "esi_leap:node:create") == [
        "yes", "no", "no", "no", "no", "no"]
    assert _table_row(text, "esi_leap:lease:get") == [
        "yes", "yes", "yes", "yes", "yes", "no"]
    assert _table_row(text, "esi_leap:offer:delete") == [
        "yes", "yes", "no", "no", "no", "no"]


def test_sections_follow_the_rules(gen: ModuleType) -> None:
    rules = [
        oslo_policy.RuleDefault("is_admin", "role:admin or role:owner",
                                description="Admins."),
        oslo_policy.DocumentedRuleDefault(
            name="esi_leap:widget:get", check_str="rule:is_admin",
            description="Show a widget.",
            operations=[{"path": "/v1/widgets/{id}", "method": "GET"}],
            scope_types=["project"],
            deprecated_rule=oslo_policy.DeprecatedRule(
                "esi_leap:gadget:get", "role:admin",
                deprecated_reason="renamed", deprecated_since="2.0")),
    ]
    text = gen.render(rules)
    assert "## Widgets\n" in text
    assert text.index("## Widgets") < text.index("## Base rules")
    assert "`GET /v1/widgets/{id}`" in text
    assert ("Replaces the deprecated rule `esi_leap:gadget:get`"
            in " ".join(text.split()))
    # The widget rule reaches the deprecated role through rule:is_admin.
    widget = text.split("### `esi_leap:widget:get`", 1)[1]
    assert "`owner` (use `member`)" in " ".join(widget.split())
    assert _table_row(text, "esi_leap:widget:get") == [
        "yes", "no", "no", "no", "no", "no"]


def test_check_and_write(gen: ModuleType, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "policy.md"
    assert gen.main(["--check", "--output", str(target)]) == 1
    assert not target.exists()
    target.write_text("stale\n")
    assert gen.main(["--check", "--output", str(target)]) == 1
    assert target.read_text() == "stale\n"
    assert "stale" in capsys.readouterr().err
    assert gen.main(["--output", str(target)]) == 0
    assert target.read_text() == gen.render()
    assert gen.main(["--check", "--output", str(target)]) == 0
