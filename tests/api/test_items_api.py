from decimal import Decimal


def test_item_lifecycle_and_errors(client):
    r = client.post("/api/v1/items", json={"code": "BOLT", "name": "Bolt M8", "type": "purchased",
                                          "uom": "ea", "standard_cost": "0.12"})
    assert r.status_code == 201, r.text
    assert Decimal(r.json()["standard_cost"]) == Decimal("0.12")
    dup = client.post("/api/v1/items", json={"code": "BOLT", "name": "x", "type": "purchased",
                                            "uom": "ea"})
    assert dup.status_code == 409
    assert dup.headers["content-type"] == "application/problem+json"
    bad = client.post("/api/v1/items", json={"code": "N1", "name": "x", "type": "purchased",
                                            "uom": "furlong"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "uom"
    neg = client.post("/api/v1/items", json={"code": "N2", "name": "x", "type": "purchased",
                                            "uom": "ea", "safety_stock": "-1"})
    assert neg.status_code == 422 and neg.json()["errors"][0]["field"] == "safety_stock"
    ok = client.patch("/api/v1/items/BOLT", json={"version": 1, "name": "Bolt M8x20"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch("/api/v1/items/BOLT", json={"version": 1, "name": "Other"})
    assert stale.status_code == 409
    assert client.get("/api/v1/items/BOLT").json()["name"] == "Bolt M8x20"
    hist = client.get("/api/v1/items/BOLT/history").json()
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[1]["old_values"] == {"name": "Bolt M8"}
    page = client.get("/api/v1/items", params={"type": "purchased", "limit": 10}).json()
    assert page["total"] == 1
    assert client.get("/api/v1/items", params={"colour": "red"}).status_code == 422
