"""The esi-leap OpenStackClient plugin.

It adds the command groups python-esileapclient does not have
(``openstack esi network|switch|port|audit|finding ...``) and never
registers one of its commands again. :mod:`esi_leap.osc.plugin` is the
OSC plugin module, :mod:`esi_leap.osc.client` the REST client,
:mod:`esi_leap.osc.v1` the commands.
"""
