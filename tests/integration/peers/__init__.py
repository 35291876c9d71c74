"""Real peers for integration tests: Keystone 30.0.0 and Ironic 39.0.0.

Use the session-scoped pytest fixture ``cloud`` (tests/integration/
conftest.py); it is a :class:`tests.integration.peers.cloud.Cloud`.

What runs
=========
* **Venvs** (:mod:`.venvs`): PyPI ``keystone==30.0.0`` + ``gunicorn`` and
  ``ironic==39.0.0``, each in its own venv, pinned by
  ``constraints/keystone-30.0.0.txt`` and ``constraints/ironic-39.0.0.txt``
  (``pip freeze`` of working venvs). Cached under
  ``${ESI_LEAP_PEER_CACHE:-~/.cache/esi-leap/peers}/<name>-<hash>`` (hash
  of requirements, constraints and Python version); built under a
  ``flock`` in a temporary directory and renamed into place, so parallel
  runs build once and a broken install is never reused. The two venvs
  build concurrently. If pip fails (no network) the fixture calls
  :func:`tests.helpers.skip_or_fail`.
* **Keystone** (:mod:`.keystone`): gunicorn, 1 worker, 1 thread (SQLite
  locks with more), fernet tokens, bcrypt rounds 4, ``[cache]`` memory,
  ``[resource] admin_project_name = admin``. The four ``keystone-manage``
  steps plus the fixed fixtures (roles admin/manager/member/reader/service;
  project ``service`` with users ``esi-leap`` — roles service + admin, the
  esi-leap service user — and ``ironic`` — role service, Ironic's
  ``keystone_authtoken`` user; catalog services ``identity`` and
  ``baremetal``) run once and are cached as a data template next to the
  venv; a run copies it and re-points the catalog URLs in the copied
  SQLite database before starting.
* **Ironic** (:mod:`.ironic`): the all-in-one ``ironic`` process, SQLite
  (schema cached), ``rpc_transport = none``, ``fake-hardware`` with every
  interface fake (console ``fake``), ``auth_strategy = keystone``,
  ``[DEFAULT] rbac_service_role_elevated_access = true``, and
  ``keystone_authtoken`` with ``token_cache_time = -1`` (role changes and
  revocations take effect at once). Policy file: by default the project's
  recommended overlay ``etc/esi-leap/ironic-policy-overlay.yaml``.
* Both listen on free 127.0.0.1 ports, in a temporary directory, started
  together; readiness polling fails fast if the started process dies
  (a port clash is retried on new ports). Each server runs in its own
  process group: stop = SIGTERM to the group, SIGKILL after 10 s; the
  children also get ``PR_SET_PDEATHSIG`` and an ``atexit`` stop, so no
  process outlives the test run. Start servers from the main thread
  (PDEATHSIG fires when the *thread* that started them ends).

Timings (2 shared cores, other test runs in parallel): cold start
(empty peer cache: both pip installs, Keystone bootstrap, Ironic schema)
65 s with pip's download cache warm (85 s before ``--no-compile``), plus
the download on a machine that never fetched the wheels (about 110 MB);
warm start 5-9 s; :meth:`Cloud.create_node` about 1 s; Ironic stop + start
about 5 s; close about 3 s. test_peers.py + test_ironic_policy_overlay.py
run in about 50 s warm.

The API (``cloud`` fixture)
===========================
``keystone_url`` (ends in ``/v3``), ``ironic_url``;
``new_project(prefix) -> Project(id, name)``;
``new_user(project, roles) -> User(name, password, project_id,
project_name, roles, id)`` (missing roles such as ``owner`` are created);
``grant(user, roles)`` / ``revoke(user, role)``;
``conn(user)`` / ``admin_conn()`` (openstacksdk, baremetal API 1.78;
admin is the system-scoped bootstrap admin); ``session(user)``
(keystoneauth) and ``ironic_api(user)`` (keystoneauth Adapter on Ironic,
microversion 1.115) for raw REST; ``ironic_admin()`` the same as the
system admin; ``cli_env(user)`` (``os.environ`` without ``OS_*`` plus the
``OS_*`` login for ``.venv/bin/openstack``);
``create_node(owner, name=None, lessee=None, **fields) -> uuid``
(fake-hardware, manage -> provide -> ``available``, powered off once, one
PXE port); ``node(uuid)``, ``wait_node(uuid, **fields)``,
``set_power``, ``provision``, ``create_port``, ``patch_node``,
``set_lessee``; ``esi_leap_user``, ``service_project``;
``register_lease_endpoint(url)``; ``esi_leap_config()`` (``group__name``
overrides for :func:`tests.helpers.configure`) and
``write_esi_leap_config(path, extra)`` (the same as an ini file);
``stop_ironic()`` / ``start_ironic(policy_file="same")`` (same port and
database) and ``ironic_policy(path_or_None)`` (context manager: restart
with another policy, then restore).

Note on ``esi_leap_config()`` with ``configure()``: keystoneauth's
plugin options (``auth_url``, ``username``, ``password``, ...) are
registered only when the plugin is loaded, so ``CONF.set_override`` on
them raises NoSuchOptError; registering them up front does not help
either, because ``auth_url`` is a required option and every later
``CONF([])`` without a value then fails. Start esi-leap with a config
file (``write_esi_leap_config``) instead.

Verified against this Ironic with the overlay (test_ironic_policy_overlay)
=========================================================================
A member of the node's lessee project can:

* **deploy**: ``PATCH`` ``/instance_info/*`` and ``/instance_uuid`` (200),
  ``GET .../validate``, ``PUT .../states/provision {"target": "active"}``
  (202, fake deploy reaches ``active`` in about a second; no instance_info
  is strictly needed by the fake deploy interface) and ``"deleted"``
  (back to ``available``, instance_info cleared);
* **attach a VIF**: ``POST /v1/nodes/{id}/vifs {"id": ...}`` (204) and
  ``openstack baremetal node vif attach``; ``GET .../vifs`` lists it;
  detach 204;
* **use the console**: ``PUT .../states/console {"enabled": true}`` (202),
  ``GET .../states/console`` (``console_enabled: true``);
* **power** the node and **read** it, with ``driver_info`` replaced by
  ``{"content": "** Redacted - requires baremetal:node:get:driver_info
  permission. **"}``.

VIF attach without Neutron
--------------------------
Ironic 39's ``flat`` and ``neutron`` network interfaces look the VIF up in
Neutron (``neutron.get_client`` in ``vif_attach``), so they fail without
it. ``noop`` needs no Neutron and returns 204 for an attach, but records
nothing: ``GET .../vifs`` stays empty. So the harness adds a test-only
network interface ``esi-fake-vif`` (``fake_vif.py``): ``noop`` plus
Ironic's own non-Neutron VIF bookkeeping (``VIFPortIDMixin``), which stores
the VIF in the chosen port's ``internal_info.tenant_vif_port_id``, picks
the port as the Neutron interfaces do and fails with
``NoFreePhysicalPorts`` (400) when no port is free. It is installed as a
plugin (a module plus a ``.dist-info`` entry point on Ironic's
``PYTHONPATH``), not by changing Ironic's code; ``fake-hardware`` accepts
any interface. It is the default network interface; ``noop`` stays
enabled for nodes that ask for it (unpatched behaviour).

The oslo.policy trap the overlay avoids
---------------------------------------
Many Ironic rules name an older rule as their *deprecated* rule (e.g.
``baremetal:node:get:filter_threshold`` and ``...:get:last_error`` name
``baremetal:node:get``; ``...:update:name`` names
``baremetal:node:update``). When a policy file overrides the old name and
not the new one, oslo.policy applies the override to the new rule as well,
even with ``enforce_new_defaults``. Overriding ``baremetal:node:get`` with
its own default text thus made ``filter_threshold`` true for lessees and
*un-redacted driver_info*. The overlay therefore restates the affected
rules, and ``test_rules_left_out_keep_their_defaults`` checks with
Ironic's own policy code that no rule outside the file changes.
"""
