"""The basic offer -> claim -> active -> delete story on the real app."""

from esi_leap.manager import service
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


def test_offer_claim_fulfil_cancel(client, node):
    owner = client.as_(OWNER, "member")
    lessee = client.as_(LESSEE, "member")
    offer = owner.post("/v1/offers", {"resource_uuid": node})
    assert offer.status_code == 201, offer.text
    offer_uuid = offer.json["uuid"]
    claimed = lessee.post(f"/v1/offers/{offer_uuid}/claim", {})
    assert claimed.status_code == 201, claimed.text
    lease_uuid = claimed.json["uuid"]
    assert claimed.json["status"] == "created"
    service.Manager(host="test").reconcile()
    shown = lessee.get(f"/v1/leases/{lease_uuid}")
    assert shown.json["status"] == "active"
    assert client.as_(OTHER).get(f"/v1/leases/{lease_uuid}").status_code \
        == 404
    assert lessee.delete(f"/v1/leases/{lease_uuid}").status_code == 200
    assert lessee.get(f"/v1/leases/{lease_uuid}").json["status"] == \
        "wait cancel"
    service.Manager(host="test").reconcile()
    assert lessee.get(f"/v1/leases/{lease_uuid}").json["status"] == \
        "deleted"
