"""Test-only Ironic network interface ``esi-fake-vif`` (runs in Ironic).

Ironic 39 has no network interface that records VIF attachments without
Neutron: ``noop`` accepts ``POST /v1/nodes/{id}/vifs`` but stores nothing
(``GET .../vifs`` stays empty), while ``flat`` and ``neutron`` look the
VIF up in Neutron. This interface is ``noop`` plus Ironic's own
non-Neutron VIF bookkeeping (``VIFPortIDMixin``): attach picks a free port
or portgroup exactly like the Neutron interfaces do (``port_uuid`` in the
request is honoured, no free port gives Ironic's ``NoFreePhysicalPorts``)
and records the VIF id in its ``internal_info.tenant_vif_port_id``;
detach clears it; list reads it back. No Ironic code is changed: the
harness installs this module with an entry point in the
``ironic.hardware.interfaces.network`` namespace (``fake-hardware``
accepts any interface implementation).
"""

from ironic.drivers.modules.network import common
from ironic.drivers.modules.network import noop


class FakeVifNetwork(common.VIFPortIDMixin, noop.NoopNetwork):
    """``noop`` networking that remembers which port holds which VIF."""

    def vif_attach(self, task, vif_info):
        vif_id = vif_info["id"]
        port_like = common.get_free_port_like_object(
            task, vif_id, set(), vif_info)
        self._save_vif_to_port_like_obj(port_like, vif_id)

    def vif_detach(self, task, vif_id):
        port_like = self._get_port_like_obj_by_vif_id(task, vif_id)
        self._clear_vif_from_port_like_obj(port_like)
