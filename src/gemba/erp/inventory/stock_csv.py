"""stock.csv: opening balances (item_code, location, qty, lot, unit_cost), booked from the
OPENING location against Opening balance equity. Named stock locations are created if
missing; unit_cost defaults to the item's standard cost.

A row states what is on hand: loading posts the difference from what the ledger already
holds for that item, location and lot, so re-loading a dump changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from gemba.core.dataload.cells import cell
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import MoveIn, StockBalance, post_moves
from gemba.erp.inventory.location import Location, LocationKind, Locations, ensure_internal_location
from gemba.erp.inventory.lot import Lot
from gemba.erp.inventory.valuation import ItemValuation

COLUMNS = ["item_code", "location", "qty", "lot", "unit_cost"]


def _decimal(row: Row, column: str) -> Decimal | None:
    raw = row.get(column)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed.on(column, "decimal", f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValidationFailed.on(column, "decimal", f"{raw!r} is not a number")
    return value


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    if len(rows) > 1:
        raise ValidationFailed.on("rows[1].qty", "unique_in_file",
                                  f"{rows[0].get('item_code')} at {rows[0].get('location')} "
                                  f"is already on line {rows[0].line}")
    (row,) = rows
    item_code, location = row.get("item_code"), row.get("location")
    if not item_code:
        raise ValidationFailed.on("item_code", "required", "is required")
    if not location:
        raise ValidationFailed.on("location", "required", "is required")
    qty = _decimal(row, "qty")
    if qty is None or qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be a number greater than zero")
    unit_cost = _decimal(row, "unit_cost")
    if unit_cost is not None and unit_cost < 0:
        raise ValidationFailed.on("unit_cost", "ge_zero", "must not be negative")
    item = uow.session.scalar(select(Item).where(Item.code == item_code))
    if item is None:
        raise ValidationFailed.on("item_code", "exists", f"item {item_code!r} does not exist")
    loc = ensure_internal_location(uow, location)
    if loc.kind != LocationKind.INTERNAL:
        raise ValidationFailed.on("location", "internal",
                                  f"{location} is a {loc.kind.value} location")
    if unit_cost is None:
        unit_cost = item.standard_cost
    lot = row.get("lot")
    held = _on_hand(uow, item.id, loc.id, lot)
    if held == qty:
        return
    move = (MoveIn(item_code, qty - held, Locations.OPENING, location, lot=lot,
                   unit_cost=unit_cost) if qty > held else
            MoveIn(item_code, held - qty, location, Locations.OPENING, lot=lot))
    try:
        post_moves(uow, [move], doc_type="opening", doc_ref=f"stock.csv:{row.line}",
                   memo=f"Opening stock {item_code} {location}")
    except ValidationFailed as exc:
        # Name the CSV column, not the service's move field.
        issue = exc.issues[0] if exc.issues else None
        if issue is not None:
            column = {"qty": "qty", "lot": "lot", "item": "item_code"}.get(
                issue.field.rsplit(".", 1)[-1], issue.field)
            raise ValidationFailed.on(column, issue.rule, issue.message) from None
        raise


def _on_hand(uow: UnitOfWork, item_id: int, location_id: int, lot: str | None) -> Decimal:
    stmt = select(StockBalance.qty_on_hand).where(StockBalance.item_id == item_id,
                                                  StockBalance.location_id == location_id)
    if lot:
        stmt = stmt.join(Lot, Lot.id == StockBalance.lot_id).where(Lot.code == lot)
    else:
        stmt = stmt.where(StockBalance.lot_key == 0)
    return Decimal(str(uow.session.scalar(stmt) or 0))


def _key(row: Row) -> str:
    return "|".join(row.get(c) or "" for c in ("item_code", "location", "lot")) or \
        f"line {row.line}"


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    rows = uow.session.execute(
        select(Item.code, Location.code, StockBalance.qty_on_hand, Lot.code,
               ItemValuation.qty, ItemValuation.value)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .outerjoin(ItemValuation, ItemValuation.item_id == StockBalance.item_id)
        .where(StockBalance.qty_on_hand > 0).order_by(Item.code, Location.code, Lot.code))
    for item, loc, qty, lot, vqty, vvalue in rows:
        unit = (Decimal(vvalue) / Decimal(vqty)).quantize(Decimal("0.0001")) if vqty else None
        yield {"item_code": item, "location": loc, "qty": cell(Decimal(qty)), "lot": cell(lot),
               "unit_cost": cell(unit)}


SPEC = FileSpec(name="stock.csv", required=COLUMNS[:3], optional=COLUMNS[3:], order=60,
                load=_load, dump=_dump, group_by=_key,
                description="Opening stock balances (locations created if missing).")
