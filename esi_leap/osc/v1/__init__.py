"""Commands of the ``openstack.esi_leap.v1`` group."""
