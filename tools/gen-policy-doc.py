#!/usr/bin/env python3
"""Render docs/policy.md from the registered policy rules.

Usage: ``python tools/gen-policy-doc.py [--output PATH] [--check]``
(or ``tox -e policy-doc``). ``--check`` writes nothing and exits 1 when the
file differs from what the rules give. tests/unit/test_policy_doc.py fails
when docs/policy.md is stale.

Everything in the page comes from ``esi_leap.policies.list_rules()``: name,
description, operations, scope types, default check string, deprecated rule
names, the deprecated ESI-Leap roles a rule honours, and which persona the
default lets through (evaluated with oslo.policy itself, no policy file).
"""

import argparse
import re
import sys
import textwrap
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from esi_leap import policies
from esi_leap.common import context as esi_context
from esi_leap.policies import base

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "policy.md"

#: Section titles of the rule name prefixes (``esi_leap:<resource>:``);
#: another resource gets a title made from its name.
TITLES = {
    "offer": "Offers",
    "lease": "Leases",
    "node": "Nodes",
    "event": "Events",
    "quota": "Quotas",
    "console_auth_token": "Console auth tokens",
    "network": "Networks and port attachments",
    "network_action": "Network actions",
    "switch": "Switches",
    "port": "Ports",
    "audit": "Switch audits",
    "finding": "Audit findings",
}
BASE_TITLE = "Base rules"

OWNER = "owner-project"
LESSEE = "lessee-project"
OTHER = "other-project"
ADMIN_PROJECT = "admin-project"

#: The policy target of the persona table: OWNER owns the node, the offer
#: and the lease; LESSEE holds the node and the lease and is the offer's
#: lessee; OWNER owns the network.
TARGET = {
    "node.owner": OWNER, "node.lessee": LESSEE,
    "offer.project_id": OWNER, "offer.lessee_id": LESSEE,
    "lease.owner_id": OWNER, "lease.project_id": LESSEE,
    "network.project_id": OWNER,
}

#: decisions.md's personas: (column title, project, roles).
PERSONAS: Sequence[tuple[str, str, list[str]]] = (
    ("admin", ADMIN_PROJECT, ["admin"]),
    ("owner member", OWNER, ["member"]),
    ("owner reader", OWNER, ["reader"]),
    ("lessee member", LESSEE, ["member"]),
    ("lessee reader", LESSEE, ["reader"]),
    ("unrelated member", OTHER, ["member"]),
)

INTRO = """\
esi-leap enforces every API call with [oslo.policy]. This page lists every
rule it registers, with its default. Override a rule in the policy file
(`[oslo_policy] policy_file`, `policy.yaml` by default); an overridden rule
replaces the default entirely. `tox -e genpolicy` writes a sample policy file
with the same defaults.

[oslo.policy]: https://docs.openstack.org/oslo.policy/latest/

## Personas

- **Roles are Keystone's default roles.** `admin` implies `member`, which
  implies `reader`; Keystone expands them in tokens, and the `http_basic`
  and `noauth` modes expand them the same way. `reader` may look, `member`
  may act for its project, `admin` is the cloud admin: the default rules
  let an admin do everything, in any project. A system-scoped admin
  (scope type `system`) is admin too.
- **Owner and lessee are relations, not roles.** The caller's project is
  the *owner* when it owns the node (the node's `owner`, the offer's
  `project_id`, the lease's `owner_id`), and the *lessee* when it holds it
  (the node's `lessee`, the offer's `lessee_id`, the lease's `project_id`).
  A rule checks the relation with `project_id:%(<target key>)s`; the keys
  are those of the check strings below.
- **The personas** used throughout: admin, owner member, owner reader,
  lessee member, lessee reader, and a member of an unrelated project.
- **What the code decides.** Some rules let any reader or member through
  and the code narrows the answer: lists show only what the caller's
  project owns, holds or is offered; an object the caller may not see
  answers 404 as if it did not exist; a lessee may offer or lease its node
  again only inside its active lease. The descriptions say where.
- **Deprecated ESI-Leap roles.** ESI-Leap defined roles of its own. They
  are still honoured, log a deprecation warning once per process, and will
  stop working in a future release. Grant the Keystone role instead, in
  the same project:

| Deprecated role | Grant instead | Honoured as |
|---|---|---|
"""

HONOURED_AS = {
    "esi_leap_admin": "the cloud admin",
    "owner": "member for the owner relation, reader for reading",
    "esi_leap_owner": "member for the owner relation, reader for reading",
    "lessee": "member for the lessee relation, reader for reading",
    "esi_leap_lessee": "member for the lessee relation, reader for reading",
}

ROLE = re.compile(r"\brole:([\w.-]+)")
RULE = re.compile(r"\brule:([\w:.-]+)")


def resource_of(name: str) -> str | None:
    """``esi_leap:offer:create`` -> ``offer``; None for a base rule."""
    parts = name.split(":")
    if len(parts) == 3 and parts[0] == "esi_leap":
        return parts[1]
    return None


def title_of(resource: str | None) -> str:
    if resource is None:
        return BASE_TITLE
    return TITLES.get(resource, resource.replace("_", " ").capitalize()
                      + "s")


def grouped(rules: Iterable[oslo_policy.RuleDefault]
            ) -> dict[str | None, list[oslo_policy.RuleDefault]]:
    """Rules by resource, in the order the rules are registered."""
    groups: dict[str | None, list[oslo_policy.RuleDefault]] = {}
    for rule in rules:
        groups.setdefault(resource_of(rule.name), []).append(rule)
    return groups


def roles_of(rule: oslo_policy.RuleDefault,
             by_name: dict[str, oslo_policy.RuleDefault],
             seen: frozenset[str] = frozenset()) -> set[str]:
    """Every role the rule's default names, through ``rule:`` references."""
    roles = set(ROLE.findall(rule.check_str))
    for ref in RULE.findall(rule.check_str):
        if ref in by_name and ref not in seen:
            roles |= roles_of(by_name[ref], by_name, seen | {rule.name})
    return roles


def make_enforcer(rules: Sequence[oslo_policy.RuleDefault]
                  ) -> oslo_policy.Enforcer:
    """An enforcer with the defaults only: no policy file is read."""
    conf = cfg.ConfigOpts()
    conf([], project="esi-leap", default_config_files=[])
    defaults = oslo_policy.Rules({rule.name: rule.check for rule in rules})
    enforcer = oslo_policy.Enforcer(conf, rules=defaults, use_conf=False)
    enforcer.register_defaults(rules)
    return enforcer


def allowed(enforcer: oslo_policy.Enforcer, rule: str, project: str,
            roles: list[str]) -> bool:
    context = esi_context.RequestContext(
        project_id=project, roles=esi_context.expand_roles(roles),
        overwrite=False)
    creds = dict(context.to_policy_values())
    return bool(enforcer.enforce(rule, dict(TARGET), creds))


def code(text: str) -> str:
    return f"`{text}`"


def paragraphs(text: str) -> list[str]:
    """Text wrapped at 79 columns, paragraph by paragraph."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines += textwrap.wrap(" ".join(paragraph.split()), width=79,
                               break_long_words=False,
                               break_on_hyphens=False) + [""]
    return lines


def persona_table(rules: Sequence[oslo_policy.RuleDefault]) -> list[str]:
    enforcer = make_enforcer(rules)
    lines = [
        "## Who may, by default",
        "",
        *paragraphs(
            "What each default check string allows, for a target whose "
            "node, offer and lease the owner project owns and the lessee "
            "project holds. The code may still refuse (see each rule)."),
        "| Rule | " + " | ".join(p[0] for p in PERSONAS) + " |",
        "|---|" + "---|" * len(PERSONAS),
    ]
    for rule in rules:
        if not isinstance(rule, oslo_policy.DocumentedRuleDefault):
            continue
        marks = ["yes" if allowed(enforcer, rule.name, project, roles)
                 else "no" for _, project, roles in PERSONAS]
        lines.append(f"| {code(rule.name)} | " + " | ".join(marks) + " |")
    return lines + [""]


def rule_section(rule: oslo_policy.RuleDefault,
                 by_name: dict[str, oslo_policy.RuleDefault]) -> list[str]:
    lines = [f"### {code(rule.name)}", "",
             *paragraphs(rule.description or "")]
    items: list[str] = []
    operations = getattr(rule, "operations", None) or []
    if operations:
        items.append("Operations: " + ", ".join(
            code(f"{op['method']} {op['path']}") for op in operations))
    if rule.scope_types:
        items.append("Scope types: " + ", ".join(
            code(scope) for scope in rule.scope_types))
    deprecated = deprecated_roles(roles_of(rule, by_name))
    if deprecated:
        items.append("Deprecated roles it honours: " + deprecated)
    old = rule.deprecated_rule
    if old is not None:
        since = f" since {old.deprecated_since}" if old.deprecated_since \
            else ""
        reason = f": {old.deprecated_reason}" if old.deprecated_reason \
            else ""
        items.append(f"Replaces the deprecated rule {code(old.name)} "
                     f"(default {code(old.check_str)}){since}{reason}")
    if rule.deprecated_for_removal:
        items.append("Deprecated for removal"
                     + (f": {rule.deprecated_reason}"
                        if rule.deprecated_reason else ""))
    for item in items:
        lines += textwrap.wrap(f"- {item}", width=79,
                               subsequent_indent="  ",
                               break_long_words=False,
                               break_on_hyphens=False)
    lines += ["- Default:", "", "  ```", f"  {rule.check_str}", "  ```", ""]
    return lines


def deprecated_roles(roles: set[str]) -> str:
    """``esi_leap_admin`` (use ``admin``); ... for the deprecated ones."""
    by_replacement: dict[str, list[str]] = {}
    for role, replacement in base.DEPRECATED_ROLES.items():
        if role in roles:
            by_replacement.setdefault(replacement, []).append(code(role))
    return "; ".join(f"{', '.join(names)} (use {code(replacement)})"
                     for replacement, names in by_replacement.items())


def render(rules: Sequence[oslo_policy.RuleDefault] | None = None) -> str:
    """The whole page for ``rules`` (default: every registered rule)."""
    rules = list(policies.list_rules() if rules is None else rules)
    by_name = {rule.name: rule for rule in rules}
    lines = [
        "# Policy",
        "",
        "<!-- Generated by tools/gen-policy-doc.py from",
        "     esi_leap.policies.list_rules(); do not edit by hand.",
        "     Regenerate: tox -e policy-doc",
        "     (or: python tools/gen-policy-doc.py). -->",
        "",
        INTRO.rstrip("\n"),
    ]
    for role, replacement in base.DEPRECATED_ROLES.items():
        lines.append(f"| {code(role)} | {code(replacement)} | "
                     f"{HONOURED_AS.get(role, replacement)} |")
    lines.append("")
    lines += persona_table(rules)
    groups = grouped(rules)
    # The base rules go last: the API rules are what readers look for.
    order: list[str | None] = [key for key in groups if key is not None]
    order += [None] if None in groups else []
    for resource in order:
        lines += [f"## {title_of(resource)}", ""]
        if resource is None:
            lines += paragraphs(
                "Rules the others refer to (`rule:<name>`), kept with "
                "ESI-Leap's names so that existing policy files keep "
                "working.")
        for rule in groups[resource]:
            lines += rule_section(rule, by_name)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="file to write (default: docs/policy.md)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = (args.output.read_text() if args.output.exists()
                   else None)
        if current != text:
            print(f"{args.output} is stale: run "
                  "python tools/gen-policy-doc.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
