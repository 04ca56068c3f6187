"""Routing services: operations on work centers, alternatives, attachments, times, locking."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.catalog import routing as r
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel

D = Decimal
VIEWER = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))


def op(seq: int, wc: str, setup: str = "0", run: str = "0", alts=(), **kw) -> r.OperationIn:
    return r.OperationIn(seq=seq, name=kw.pop("name", f"Op {seq}"), work_center=wc,
                         setup_min=D(setup), run_min_per_unit=D(run),
                         alternatives=[r.AlternativeIn(work_center=a, run_min_per_unit=q)
                                       for a, q in alts], **kw)


@pytest.fixture
def shop(gemba):
    with gemba.uow() as uow:
        s = uow.session
        s.add(Equipment(code="AREA1", name="Machining", level=EquipmentLevel.AREA))
        for code in ("SAW", "LATHE", "LATHE2", "PAINT"):
            s.add(Equipment(code=code, name=code.title(), level=EquipmentLevel.WORK_CENTER))
        s.add(Equipment(code="OLD", name="Old", level=EquipmentLevel.WORK_CENTER, active=False))
        create_item(uow, ItemIn(code="SHAFT", name="Shaft", type="manufactured", uom="ea"))
        create_item(uow, ItemIn(code="BAR", name="Bar", type="purchased", uom="m"))
        uow.commit()


def make_routing(gemba, ops, revision="A", **kw) -> str:
    with gemba.uow() as uow:
        routing = r.create_routing(uow, r.RoutingIn(item="SHAFT", revision=revision,
                                                    operations=ops, **kw))
        uow.commit()
        return routing.number


@pytest.fixture
def shaft(gemba, shop):
    return make_routing(gemba, [
        op(10, "SAW", "5", "0.5", name="Cut"),
        op(20, "LATHE", "30", "1.5", alts=[("LATHE2", D("1.2"))], name="Turn",
           instructions="Turn to 20 h7"),
        op(30, "PAINT", "15", "0.25", alts=[("LATHE", None)])])


def count_routings(gemba) -> int:
    with gemba.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(r.Routing)) or 0


def test_create_and_read(gemba, shaft):
    assert shaft == "RTG-000001"
    with gemba.uow() as uow:
        routing = r.get_routing(uow, shaft)
        assert routing.item_code == "SHAFT" and routing.version == 1
        assert [(o.seq, o.work_center_code) for o in routing.operations] == [
            (10, "SAW"), (20, "LATHE"), (30, "PAINT")]
        turn = routing.operations[1]
        assert turn.instructions == "Turn to 20 h7"
        assert [(a.work_center_code, a.run_min_per_unit) for a in turn.alternatives] == [
            ("LATHE2", D("1.2"))]
        assert r.list_routings(uow, PageRequest(filters=(("item", "SHAFT"),))).total == 1


def test_bad_operations_are_all_reported_and_nothing_written(gemba, shop):
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        r.create_routing(uow, r.RoutingIn(item="SHAFT", revision="A", operations=[
            op(10, "NOPE"), op(20, "AREA1"), op(20, "OLD"),
            op(40, "SAW", alts=[("SAW", None)]), op(50, "SAW", alts=[("LATHE", None),
                                                                   ("LATHE", D(1))])]))
    assert [(i.field, i.rule) for i in exc.value.issues] == [
        ("operations[0].work_center", "unknown_work_center"),
        ("operations[1].work_center", "not_a_work_center"),
        ("operations[2].seq", "duplicate"),
        ("operations[2].work_center", "inactive_work_center"),
        ("operations[3].alternatives[0].work_center", "duplicate"),
        ("operations[4].alternatives[1].work_center", "duplicate")]
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        r.create_routing(uow, r.RoutingIn(item="BAR", revision="A", operations=[op(10, "SAW")]))
    assert exc.value.issues[0].field == "item"
    with pytest.raises(ValidationError) as verr:
        op(10, "SAW", setup="-1")
    assert verr.value.errors()[0]["loc"] == ("setup_min",)
    with pytest.raises(ValidationError):
        r.RoutingIn(item="SHAFT", revision="A", operations=[])
    with pytest.raises(ValidationError):
        op(0, "SAW")
    assert count_routings(gemba) == 0
    make_routing(gemba, [op(10, "SAW")])
    with gemba.uow() as uow, pytest.raises(Conflict):
        r.create_routing(uow, r.RoutingIn(item="SHAFT", revision="A", operations=[op(10, "SAW")]))
    assert make_routing(gemba, [op(10, "SAW")], revision="B") == "RTG-000002"


def test_replace_operations_keeps_identity_and_locks(gemba, shaft):
    with gemba.uow() as uow:
        r.add_attachment(uow, shaft, 20, "drawing.pdf", "application/pdf", b"%PDF-1.7 x")
        r.add_attachment(uow, shaft, 30, "paint.txt", "text/plain", b"RAL 5010")
        uow.commit()
    with gemba.uow() as uow:
        routing = r.replace_operations(uow, shaft, r.OperationsIn(version=3, operations=[
            op(20, "LATHE2", "20", "1", alts=[("LATHE", None)], name="Turn"),
            op(25, "SAW", "1", "0.1")]))
        uow.commit()
        assert routing.version == 4
        assert [(o.seq, o.work_center_code) for o in routing.operations] == [
            (20, "LATHE2"), (25, "SAW")]
        assert [a.filename for a in routing.operations[0].attachments] == ["drawing.pdf"]
        assert [a.work_center_code for a in routing.operations[0].alternatives] == ["LATHE"]
    with gemba.uow() as uow, pytest.raises(Conflict, match="stale version"):
        r.replace_operations(uow, shaft, r.OperationsIn(version=3, operations=[op(10, "SAW")]))
    with gemba.uow() as uow:
        kinds = [(e.record_type, e.action) for e in r.routing_history(uow, shaft)]
        changed = [e.new_values for e in r.routing_history(uow, shaft)
                   if e.record_type == "erp_routing_operations" and e.action == "update"]
    assert ("erp_operation_attachments", "delete") in kinds  # went with operation 30
    assert ("erp_operation_alternatives", "create") in kinds
    assert ("erp_operation_alternatives", "delete") in kinds
    assert ("erp_routings", "create") in kinds
    assert any("work_center_id" in c for c in changed)


def test_header_update_and_delete(gemba, shaft):
    with gemba.uow() as uow:
        routing = r.update_routing(uow, shaft, r.RoutingPatch(
            version=1, revision="B", effective_from=date(2025, 1, 1)))
        uow.commit()
        assert routing.version == 2 and routing.revision == "B"
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        r.update_routing(uow, shaft, r.RoutingPatch(version=2, effective_to=date(2024, 1, 1)))
    assert exc.value.issues[0].field == "effective_to"
    with gemba.uow() as uow, pytest.raises(Conflict):
        r.update_routing(uow, shaft, r.RoutingPatch(version=1, revision="C"))
    with gemba.uow() as uow:
        r.add_attachment(uow, shaft, 10, "cut.txt", None, b"cut")
        r.delete_routing(uow, shaft, version=3)
        uow.commit()
    with gemba.uow() as uow, pytest.raises(NotFound):
        r.get_routing(uow, shaft)
    assert count_routings(gemba) == 0


def test_attachments(gemba, shaft):
    with gemba.uow() as uow:
        att = r.add_attachment(uow, shaft, 20, "../../etc/passwd", "Text/Plain; charset=utf-8",
                               b"root")
        uow.commit()
        att_id = att.id
        assert (att.filename, att.content_type, att.size) == ("passwd", "text/plain", 4)
    with gemba.uow() as uow:
        assert r.get_attachment(uow, shaft, 20, att_id).content == b"root"
        with pytest.raises(NotFound):
            r.get_attachment(uow, shaft, 10, att_id)  # belongs to another operation
        with pytest.raises(NotFound):
            r.get_attachment(uow, shaft, 99, att_id)
    too_big = b"x" * (r.MAX_ATTACHMENT_BYTES + 1)
    for args, field in [(("big.bin", None, too_big), "file"), (("e.txt", None, b""), "file"),
                        (("", None, b"x"), "filename"), (("a", "not a type", b"x"),
                                                          "content_type")]:
        with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
            r.add_attachment(uow, shaft, 20, *args)
        assert exc.value.issues[0].field == field
    with gemba.uow() as uow:
        routing = r.remove_attachment(uow, shaft, 20, att_id, version=2)
        uow.commit()
        assert routing.version == 3 and routing.operations[1].attachments == []


def test_routing_time_and_effectivity(gemba, shaft):
    with gemba.uow() as uow:
        routing = r.get_routing(uow, shaft)
        t = r.routing_time(routing, D(10))
        assert [(o.seq, o.total_min) for o in t.operations] == [
            (10, D(10)), (20, D(45)), (30, D("17.5"))]
        assert t.total_min == D("72.5")
        alt = r.routing_time(routing, D(10), {20: "LATHE2", 30: "LATHE"})
        assert [(o.work_center_code, o.total_min) for o in alt.operations] == [
            ("SAW", D(10)), ("LATHE2", D(42)), ("LATHE", D("17.5"))]
        for choice in ({20: "PAINT"}, {99: "SAW"}):
            with pytest.raises(ValidationFailed):
                r.routing_time(routing, D(10), choice)
        with pytest.raises(ValidationFailed):
            r.routing_time(routing, D(0))
    newer = make_routing(gemba, [op(10, "SAW", "1", "1")], revision="B",
                         effective_from=date(2025, 1, 1), effective_to=date(2025, 12, 31))
    with gemba.uow() as uow:
        assert r.effective_routing(uow, "SHAFT", date(2024, 5, 1)).number == shaft
        assert r.effective_routing(uow, "SHAFT", date(2025, 5, 1)).number == newer
        assert r.effective_routing(uow, "SHAFT", date(2026, 5, 1)).number == shaft
        with pytest.raises(NotFound):
            r.effective_routing(uow, "BAR", date(2025, 5, 1))


def test_viewer_cannot_write(gemba, shaft):
    with gemba.uow(VIEWER) as uow:
        assert r.get_routing(uow, shaft).number == shaft
        with pytest.raises(PermissionDenied):
            r.update_routing(uow, shaft, r.RoutingPatch(version=1, revision="Z"))
        with pytest.raises(PermissionDenied):
            r.add_attachment(uow, shaft, 10, "a.txt", None, b"a")
        with pytest.raises(PermissionDenied):
            r.create_routing(uow, r.RoutingIn(item="SHAFT", revision="Z",
                                              operations=[op(10, "SAW")]))
        with pytest.raises(PermissionDenied):
            r.routing_history(uow, shaft)
