from decimal import Decimal

import pytest

from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.catalog.uom import (
    UomIn,
    UomPatch,
    check_precision,
    convert,
    create_uom,
    get_uom,
    list_uoms,
    update_uom,
)

BUILT_IN = {"ea": 0, "kg": 3, "g": 1, "m": 3, "mm": 0, "l": 3, "h": 4, "min": 2}


def test_built_in_units_with_their_precision(gemba):
    with gemba.uow() as uow:
        for code, places in BUILT_IN.items():
            assert get_uom(uow, code).precision == places


def test_conversions_are_exact_decimals(gemba):
    with gemba.uow() as uow:
        kg, g, ea, box = (get_uom(uow, c) for c in ("kg", "g", "ea", "box12"))
        assert convert(Decimal("1.234"), kg, g) == Decimal("1234.0")
        assert convert(Decimal("250"), g, kg) == Decimal("0.250")
        assert convert(Decimal("3"), box, ea) == Decimal("36")
        assert convert(Decimal("24"), ea, box) == Decimal("2")
        h, minute = get_uom(uow, "h"), get_uom(uow, "min")
        assert convert(Decimal("1.5"), h, minute) == Decimal("90.00")
        with pytest.raises(ValidationFailed, match="cannot convert kg"):
            convert(Decimal(1), kg, ea)


def test_precision_is_enforced(gemba):
    with gemba.uow() as uow:
        check_precision(Decimal("2"), get_uom(uow, "ea"), "qty")
        with pytest.raises(ValidationFailed) as exc:
            check_precision(Decimal("1.5"), get_uom(uow, "ea"), "qty")
        assert exc.value.issues[0].rule == "uom_precision"


def test_custom_unit_and_errors(gemba):
    with gemba.uow() as uow:
        create_uom(uow, UomIn(code="pal", name="Pallet of 480", category="count",
                              factor=Decimal(480), precision=0))
        uow.commit()
    with gemba.uow() as uow:
        assert convert(Decimal(1), get_uom(uow, "pal"), get_uom(uow, "box12")) == 40
        with pytest.raises(Conflict):
            create_uom(uow, UomIn(code="pal", name="x", category="count", factor=1, precision=0))
        with pytest.raises(ValidationFailed, match="unknown UoM category"):
            create_uom(uow, UomIn(code="x", name="x", category="colour", factor=1, precision=0))
        update_uom(uow, "pal", UomPatch(version=1, name="Euro pallet"))
        uow.commit()
    with gemba.uow() as uow:
        page = list_uoms(uow, PageRequest(filters=(("category", "count"),)))
        assert {u.code for u in page.items} == {"ea", "box12", "pal"}
        with pytest.raises(Conflict, match="stale version"):
            update_uom(uow, "pal", UomPatch(version=1, name="again"))
