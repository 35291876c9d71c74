"""Tenant network isolation: VLAN pools, switches, ports, port changes."""
