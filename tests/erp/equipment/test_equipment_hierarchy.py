"""Equipment hierarchy services: shape rules, derived site codes, moves, deletes, scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.equipment.equipment import (
    Equipment,
    EquipmentIn,
    EquipmentLevel,
    EquipmentPatch,
    create_equipment,
    delete_equipment,
    get_equipment,
    list_equipment,
    update_equipment,
)
from gemba.erp.equipment.hierarchy import (
    CapabilityIn,
    add_capability,
    ensure_site,
    ensure_work_center,
    equipment_tree,
    remove_capability,
)

L = EquipmentLevel
PLANNER_S1 = Actor(user_id=None, username="p", roles=frozenset({Role.PLANNER}),
                   site_codes=frozenset({"S1"}))
VIEWER = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))

TREE = [("ENT", L.ENTERPRISE, None), ("S1", L.SITE, "ENT"), ("S2", L.SITE, "ENT"),
        ("A1", L.AREA, "S1"), ("A2", L.AREA, "S2"), ("WC1", L.WORK_CENTER, "A1"),
        ("WU1", L.WORK_UNIT, "WC1"), ("WC2", L.WORK_CENTER, "A2")]


def eq_in(code: str, level: EquipmentLevel, parent: str | None, **kw: object) -> EquipmentIn:
    return EquipmentIn(code=code, name=f"{code} name", level=level, parent=parent, **kw)


@pytest.fixture
def plant(gemba):
    with gemba.uow() as uow:
        for code, level, parent in TREE:
            extra = {"hours_per_day": Decimal("7.5")} if level == L.WORK_CENTER else {}
            create_equipment(uow, eq_in(code, level, parent, **extra))
        uow.commit()
    return gemba


def count(gemba) -> int:
    with gemba.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Equipment)) or 0


def test_site_code_is_derived_down_the_tree(plant):
    with plant.uow() as uow:
        codes = {c: get_equipment(uow, c).site_code for c, _, _ in TREE}
        assert codes == {"ENT": None, "S1": "S1", "S2": "S2", "A1": "S1", "A2": "S2",
                         "WC1": "S1", "WU1": "S1", "WC2": "S2"}
        assert get_equipment(uow, "WC1").hours_per_day == Decimal("7.5")
        assert get_equipment(uow, "WU1").parent_code == "WC1"


@pytest.mark.parametrize(("code", "level", "parent", "rule"), [
    ("X", L.AREA, "ENT", "wrong_level"),
    ("X", L.WORK_CENTER, "S1", "wrong_level"),
    ("X", L.WORK_UNIT, "A1", "wrong_level"),
    ("X", L.SITE, None, "required"),
    ("X", L.ENTERPRISE, "ENT", "not_allowed"),
    ("X", L.AREA, "NOPE", "unknown_equipment"),
])
def test_parent_must_exist_with_the_right_level(plant, code, level, parent, rule):
    before = count(plant)
    with plant.uow() as uow, pytest.raises(ValidationFailed) as err:
        create_equipment(uow, eq_in(code, level, parent))
    assert [(i.field, i.rule) for i in err.value.issues] == [("parent", rule)]
    assert count(plant) == before


def test_attributes_only_where_they_belong(plant):
    with plant.uow() as uow, pytest.raises(ValidationFailed) as err:
        create_equipment(uow, eq_in("X", L.AREA, "S1", kind="production_line",
                                    hours_per_day=Decimal(8), calendar="NOCAL"))
    fields = {i.field for i in err.value.issues}
    assert fields == {"kind", "hours_per_day", "calendar"}
    with plant.uow() as uow, pytest.raises(ValidationFailed) as err:
        create_equipment(uow, eq_in("X", L.WORK_UNIT, "WC1", hours_per_day=Decimal(8)))
    assert err.value.issues[0].field == "hours_per_day"
    for bad in ("0", "24.5", "-1"):
        with pytest.raises(ValidationError):
            eq_in("X", L.WORK_CENTER, "A1", hours_per_day=Decimal(bad))
    with plant.uow() as uow:
        wc = create_equipment(uow, eq_in("X", L.WORK_CENTER, "A1", kind="work_cell",
                                         hours_per_day=Decimal(24)))
        assert wc.kind == "work_cell" and wc.site_code == "S1"


def test_duplicate_code_and_stale_version_conflict(plant):
    with plant.uow() as uow, pytest.raises(Conflict):
        create_equipment(uow, eq_in("WC1", L.WORK_CENTER, "A1"))
    with plant.uow() as uow:
        update_equipment(uow, "WC1", EquipmentPatch(version=1, name="Line 1"))
        uow.commit()
    with plant.uow() as uow, pytest.raises(Conflict, match="stale version"):
        update_equipment(uow, "WC1", EquipmentPatch(version=1, name="Other"))
    with plant.uow() as uow:
        assert get_equipment(uow, "WC1").name == "Line 1"
        with pytest.raises(ValidationFailed) as err:
            update_equipment(uow, "WC1", EquipmentPatch(version=2, name=None))
        assert err.value.issues[0].field == "name"


def test_move_keeps_site_code_right_below(plant):
    with plant.uow() as uow:
        update_equipment(uow, "A1", EquipmentPatch(version=1, parent="S2"))
        uow.commit()
    with plant.uow() as uow:
        assert {c: get_equipment(uow, c).site_code for c in ("A1", "WC1", "WU1")} == {
            "A1": "S2", "WC1": "S2", "WU1": "S2"}
        with pytest.raises(ValidationFailed) as err:
            update_equipment(uow, "WC1", EquipmentPatch(version=2, parent="S1"))
        assert err.value.issues[0].field == "parent"
        with pytest.raises(ValidationFailed):
            update_equipment(uow, "WC1", EquipmentPatch(version=2, parent=None))


def test_delete_rules(plant):
    with plant.uow() as uow, pytest.raises(Conflict, match="WU1"):
        delete_equipment(uow, "WC1")
    with plant.uow() as uow, pytest.raises(Conflict, match="stale"):
        delete_equipment(uow, "WU1", version=7)
    with plant.uow() as uow:
        delete_equipment(uow, "WU1", version=1)
        uow.commit()
    with plant.uow() as uow, pytest.raises(NotFound):
        get_equipment(uow, "WU1")


def test_delete_blocked_by_routing_operation(plant):
    from gemba.erp.catalog.item import ItemIn, create_item
    from gemba.erp.catalog.routing import Routing, RoutingOperation

    with plant.uow() as uow:
        item = create_item(uow, ItemIn(code="P1", name="Part", type="manufactured", uom="ea"))
        wc = get_equipment(uow, "WC2")
        uow.session.add(Routing(number="RTG-T1", item=item, revision="A", operations=[
            RoutingOperation(seq=10, name="Cut", work_center_id=wc.id)]))
        uow.commit()
    with plant.uow() as uow, pytest.raises(Conflict, match="referenced"):
        delete_equipment(uow, "WC2")
    with plant.uow() as uow:
        assert get_equipment(uow, "WC2").code == "WC2"


def test_capabilities(plant):
    with plant.uow() as uow:
        add_capability(uow, "WC1", CapabilityIn(capability="Welding", description="MIG"))
        eq = add_capability(uow, "WC1", CapabilityIn(capability="assembly"))
        assert [c.capability for c in eq.capabilities] == ["assembly", "welding"]
        uow.commit()
    with plant.uow() as uow, pytest.raises(Conflict):
        add_capability(uow, "WC1", CapabilityIn(capability="welding"))
    with plant.uow() as uow, pytest.raises(ValidationFailed):
        add_capability(uow, "A1", CapabilityIn(capability="welding"))
    with plant.uow() as uow:
        eq = remove_capability(uow, "WC1", "welding")
        assert [c.capability for c in eq.capabilities] == ["assembly"]
        with pytest.raises(NotFound):
            remove_capability(uow, "WC1", "painting")


def test_tree(plant):
    with plant.uow() as uow:
        (ent,) = equipment_tree(uow)
        assert ent.code == "ENT" and [s.code for s in ent.children] == ["S1", "S2"]
        wc1 = ent.children[0].children[0].children[0]
        assert wc1.code == "WC1" and [u.code for u in wc1.children] == ["WU1"]
        (sub,) = equipment_tree(uow, "A2")
        assert sub.code == "A2" and [c.code for c in sub.children] == ["WC2"]


def test_ensure_site_and_work_center(gemba):
    with gemba.uow() as uow:
        site = ensure_site(uow, "BER")
        assert site.level == L.SITE and site.parent_code == "ENTERPRISE"
        assert ensure_site(uow, "BER").id == site.id
        wc = ensure_work_center(uow, "SAW", "Saw", "BER", Decimal(8))
        assert (wc.parent_code, wc.site_code) == ("BER-MAIN", "BER")
        ensure_work_center(uow, "LATHE", "Lathe", "MUC", Decimal("7.5"))
        uow.commit()
    with gemba.uow() as uow:
        wc = ensure_work_center(uow, "SAW", "Band saw", "BER", Decimal(16))
        assert (wc.name, wc.hours_per_day, wc.version) == ("Band saw", Decimal(16), 2)
        assert get_equipment(uow, "MUC").parent_code == "ENTERPRISE"
        with pytest.raises(ValidationFailed) as err:
            ensure_work_center(uow, "SAW", "Saw", "MUC", Decimal(8))
        assert err.value.issues[0].field == "site"
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        ensure_site(uow, "BER-MAIN")
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        ensure_work_center(uow, "X1", "X", "BER", Decimal(30))


def test_site_scoping(plant):
    with plant.uow(PLANNER_S1) as uow:
        page = list_equipment(uow, PageRequest(limit=100))
        assert [e.code for e in page.items] == ["A1", "ENT", "S1", "WC1", "WU1"]
        assert page.total == 5
        with pytest.raises(NotFound):
            get_equipment(uow, "WC2")
        (ent,) = equipment_tree(uow)
        assert [s.code for s in ent.children] == ["S1"]
        with pytest.raises(NotFound):
            equipment_tree(uow, "S2")
    attempts = [
        lambda uow: update_equipment(uow, "WC2", EquipmentPatch(version=1, name="x")),
        lambda uow: delete_equipment(uow, "WC2"),
        lambda uow: create_equipment(uow, eq_in("NEW", L.WORK_CENTER, "A2")),
        lambda uow: create_equipment(uow, eq_in("S3", L.SITE, "ENT")),
        lambda uow: update_equipment(uow, "A1", EquipmentPatch(version=1, parent="S2")),
        lambda uow: update_equipment(uow, "ENT", EquipmentPatch(version=1, name="x")),
        lambda uow: add_capability(uow, "WC2", CapabilityIn(capability="x")),
        lambda uow: ensure_site(uow, "S9"),
    ]
    for attempt in attempts:
        with plant.uow(PLANNER_S1) as uow, pytest.raises(PermissionDenied):
            attempt(uow)
    with plant.uow(PLANNER_S1) as uow:
        create_equipment(uow, eq_in("NEW", L.WORK_CENTER, "A1"))
        uow.commit()


def test_list_filters(plant):
    with plant.uow() as uow:
        def codes(**filters: str) -> list[str]:
            page = list_equipment(uow, PageRequest(filters=tuple(filters.items())))
            return [e.code for e in page.items]

        assert codes(level="work_center") == ["WC1", "WC2"]
        assert codes(site="S2") == ["A2", "S2", "WC2"]
        assert codes(parent="A1") == ["WC1"]
        assert codes(active="true", level="site") == ["S1", "S2"]
        for bad in ({"level": "galaxy"}, {"active": "maybe"}, {"colour": "red"}):
            with pytest.raises(ValidationFailed):
                codes(**bad)


def test_viewer_cannot_write(plant):
    with plant.uow(VIEWER) as uow:
        assert get_equipment(uow, "WC2").code == "WC2"
        with pytest.raises(PermissionDenied):
            create_equipment(uow, eq_in("X", L.AREA, "S1"))
        with pytest.raises(PermissionDenied):
            delete_equipment(uow, "WU1")
