"""Integration tests: the real ``esi-leap`` process and real clients.

:mod:`tests.integration.server` starts the all-in-one server in a private
state directory and runs the real ``openstack esi`` CLI against it.
"""
