"""Policy defaults: who may do what, and the legacy compatibility."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from esi_leap import policies
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.policies import audit
from esi_leap.policies import base
from esi_leap.policies import console
from esi_leap.policies import event
from esi_leap.policies import lease
from esi_leap.policies import network
from esi_leap.policies import node
from esi_leap.policies import offer
from esi_leap.policies import port
from esi_leap.policies import quota
from esi_leap.policies import switch

OWNER = "owner-project"
LESSEE = "lessee-project"
OTHER = "other-project"

TARGET = {
    "node.owner": OWNER,
    "node.lessee": LESSEE,
    "offer.project_id": OWNER,
    "offer.lessee_id": LESSEE,
    "lease.owner_id": OWNER,
    "lease.project_id": LESSEE,
    "network.project_id": OWNER,
}

# persona -> (project_id, roles, extra context arguments)
PERSONAS: dict[str, tuple[str | None, list[str], dict[str, str]]] = {
    "admin": ("admin-project", ["admin"], {}),
    "legacy_admin": ("admin-project", ["esi_leap_admin"], {}),
    "system_admin": (None, ["admin"], {"system_scope": "all"}),
    "domain_admin": (None, ["admin"], {"domain_id": "default"}),
    "owner_member": (OWNER, ["member"], {}),
    "owner_reader": (OWNER, ["reader"], {}),
    "lessee_member": (LESSEE, ["member"], {}),
    "lessee_reader": (LESSEE, ["reader"], {}),
    "other_member": (OTHER, ["member"], {}),
    "legacy_owner": (OWNER, ["esi_leap_owner"], {}),
    "legacy_lessee": (LESSEE, ["lessee"], {}),
    "owner_role_in_lessee_project": (LESSEE, ["owner"], {}),
    "no_roles": (OWNER, [], {}),
}

ADMINS = {"admin", "legacy_admin", "system_admin"}
READERS = ADMINS | {
    "owner_member", "owner_reader", "lessee_member", "lessee_reader",
    "other_member", "legacy_owner", "legacy_lessee",
    "owner_role_in_lessee_project"}
MEMBERS = ADMINS | {
    "owner_member", "lessee_member", "other_member", "legacy_owner",
    "legacy_lessee", "owner_role_in_lessee_project"}
OWNER_MEMBERS = ADMINS | {"owner_member", "legacy_owner"}
OWNER_OR_LESSEE_MEMBERS = OWNER_MEMBERS | {"lessee_member", "legacy_lessee"}
RELATED_READERS = OWNER_OR_LESSEE_MEMBERS | {
    "owner_reader", "lessee_reader", "owner_role_in_lessee_project"}

EXPECTED = {
    offer.OFFER_ADMIN: ADMINS,
    offer.CREATE: OWNER_OR_LESSEE_MEMBERS,
    offer.GET: READERS,
    offer.GET_ALL: READERS,
    offer.DELETE: OWNER_MEMBERS,
    offer.CLAIM: MEMBERS,
    lease.LEASE_ADMIN: ADMINS,
    lease.CREATE: OWNER_OR_LESSEE_MEMBERS,
    lease.GET: RELATED_READERS,
    lease.GET_ALL: READERS,
    lease.UPDATE: OWNER_MEMBERS,
    lease.DELETE: OWNER_OR_LESSEE_MEMBERS,
    lease.FORCE_END: ADMINS,
    console.CREATE: OWNER_OR_LESSEE_MEMBERS,
    console.DELETE: OWNER_OR_LESSEE_MEMBERS,
    node.NODE_ADMIN: ADMINS,
    node.GET: RELATED_READERS,
    node.GET_ALL: READERS,
    node.CREATE: ADMINS,
    node.UPDATE: ADMINS,
    node.DELETE: ADMINS,
    event.EVENT_ADMIN: ADMINS,
    event.GET_ALL: READERS,
    quota.OVERRIDE: ADMINS,
    network.NETWORK_ADMIN: ADMINS,
    network.GET_ALL: READERS,
    network.GET: READERS,
    network.CREATE: MEMBERS,
    network.DELETE: OWNER_MEMBERS,
    network.GRANT: OWNER_MEMBERS,
    network.REVOKE: OWNER_MEMBERS,
    network.ATTACH: OWNER_OR_LESSEE_MEMBERS,
    network.DETACH: OWNER_OR_LESSEE_MEMBERS,
    network.LIST_ATTACHMENTS: RELATED_READERS,
    network.ACTION_GET_ALL: READERS,
    network.ACTION_GET: READERS,
    switch.LIST: ADMINS,
    switch.GET: ADMINS,
    switch.CREATE: ADMINS,
    switch.UPDATE: ADMINS,
    switch.DELETE: ADMINS,
    port.PORT_ADMIN: ADMINS,
    port.GET_ALL: READERS,
    port.GET: RELATED_READERS,
    port.CREATE: ADMINS,
    port.DELETE: ADMINS,
    network.VERIFY: READERS,
    audit.CREATE: ADMINS,
    audit.GET_ALL: ADMINS,
    audit.GET: ADMINS,
    audit.REMEDIATION_GET: ADMINS,
    audit.REMEDIATION_APPLY: ADMINS,
    audit.FINDING_GET_ALL: ADMINS,
    audit.FINDING_GET: ADMINS,
}


def make_context(persona: str) -> esi_context.RequestContext:
    project_id, roles, extra = PERSONAS[persona]
    return esi_context.RequestContext(
        project_id=project_id, roles=esi_context.expand_roles(roles),
        overwrite=False, **extra)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    return tmp_path / "policy.yaml"


@pytest.fixture
def enforcer(policy_file: Path) -> Iterator[oslo_policy.Enforcer]:
    conf = cfg.ConfigOpts()
    policy_opts.set_defaults(conf, policy_file=str(policy_file))
    conf([], project="esi-leap", default_config_files=[])
    policy.reset()
    yield policy.init(conf)
    policy.reset()


def test_every_rule_is_tested() -> None:
    names = {r.name for r in policies.list_rules()}
    legacy = {r.name for r in base.list_rules()}
    assert names - legacy == set(EXPECTED)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_persona_matrix(enforcer: oslo_policy.Enforcer, rule: str,
                        persona: str) -> None:
    allowed = policy.check(make_context(persona), rule, TARGET)
    assert allowed == (persona in EXPECTED[rule])


@pytest.mark.parametrize("rule", [lease.UPDATE, lease.DELETE])
def test_owner_reader_may_not_change_lease(
        enforcer: oslo_policy.Enforcer, rule: str) -> None:
    context = esi_context.RequestContext(
        project_id=OWNER, roles=["reader"], overwrite=False)
    with pytest.raises(exception.Forbidden) as info:
        policy.authorize(context, rule, TARGET)
    assert info.value.kwargs == {"action": rule}
    assert rule in str(info.value)


def test_authorize_allows(enforcer: oslo_policy.Enforcer) -> None:
    policy.authorize(make_context("owner_member"), lease.UPDATE, TARGET)


def test_missing_target_key_denies(enforcer: oslo_policy.Enforcer) -> None:
    assert not policy.check(make_context("owner_member"), lease.UPDATE, {})


@pytest.mark.parametrize("project_id", [None, "None"])
def test_unset_relation_never_matches(enforcer: oslo_policy.Enforcer,
                                      project_id: str | None) -> None:
    context = esi_context.RequestContext(
        project_id=project_id, roles=["member"], overwrite=False)
    target = dict(TARGET, **{"node.lessee": None, "node.owner": None})
    assert not policy.check(context, node.GET, target)
    assert not policy.check(context, lease.CREATE, target)


def test_deprecated_role_warns_once(enforcer: oslo_policy.Enforcer,
                                    caplog: pytest.LogCaptureFixture
                                    ) -> None:
    context = make_context("legacy_owner")
    with caplog.at_level(logging.WARNING, logger="esi_leap.common.policy"):
        policy.check(context, lease.GET, TARGET)
        policy.check(context, lease.UPDATE, TARGET)
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "esi_leap_owner is deprecated" in warnings[0]
    assert "role member" in warnings[0]


def test_keystone_roles_do_not_warn(enforcer: oslo_policy.Enforcer,
                                    caplog: pytest.LogCaptureFixture
                                    ) -> None:
    with caplog.at_level(logging.WARNING, logger="esi_leap.common.policy"):
        policy.check(make_context("admin"), lease.GET, TARGET)
    assert not caplog.records


def test_legacy_policy_file_keeps_working(
        policy_file: Path, enforcer: oslo_policy.Enforcer) -> None:
    policy_file.write_text(
        '"esi_leap:offer:create": "rule:is_admin or rule:is_owner"\n'
        '"is_admin": "role:cloud_admin"\n')
    unrelated_owner = esi_context.RequestContext(
        project_id=OTHER, roles=["owner"], overwrite=False)
    assert policy.check(unrelated_owner, offer.CREATE, TARGET)
    cloud_admin = esi_context.RequestContext(
        project_id=OTHER, roles=["cloud_admin"], overwrite=False)
    assert policy.check(cloud_admin, lease.LEASE_ADMIN, TARGET)
    assert not policy.check(make_context("admin"), lease.LEASE_ADMIN, TARGET)


def test_get_enforcer_is_a_singleton(enforcer: oslo_policy.Enforcer) -> None:
    assert policy.get_enforcer() is enforcer
    assert policy.get_enforcer() is enforcer


def test_rules_are_documented() -> None:
    rules = policies.list_rules()
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert rule.description
        assert not isinstance(rule.check, _checks.FalseCheck), rule.name
        if rule.name in {r.name for r in base.list_rules()}:
            continue
        assert isinstance(rule, oslo_policy.DocumentedRuleDefault), rule.name
        assert rule.scope_types == base.SCOPE_TYPES
        assert rule.operations
        for operation in rule.operations:
            assert operation["path"].startswith("/v1/")
            assert operation["method"] in {"GET", "POST", "PUT", "PATCH",
                                           "DELETE"}


def test_rule_references_exist() -> None:
    names = {r.name for r in policies.list_rules()}
    for rule in policies.list_rules():
        for word in rule.check_str.replace("(", " ").split():
            if word.startswith("rule:"):
                assert word[len("rule:"):] in names, rule.name


def test_sample_policy_renders() -> None:
    from oslo_policy import generator

    for rule in policies.list_rules():
        text = generator._format_rule_default_yaml(rule)
        assert rule.name in text
