"""ISA-95 ProductionPerformance / ProductionStatus -> ERP effects (the closed loop's ERP side).

Each response is an increment reported by the MES for one order and carries a per-order
``sequence``. ``erp_applied_responses`` (unique on order and sequence) makes applying
idempotent and order-safe: a sequence already applied is skipped, any other is applied when it
arrives, whatever its place (quantities add up; the status never goes back, so a ``completed``
that overtakes earlier reports loses nothing).

Effects of one response, all in the caller's transaction, all or nothing for the message:
- consumed material: stock moves WH/STOCK -> PRODUCTION (Dr WIP / Cr Inventory), lots as
  reported; the ledger refuses held or expired lots, which refuses the whole message;
- produced material: PRODUCTION -> WH/STOCK at the item's standard cost (Dr Inventory /
  Cr WIP); lots and serials are created; a lot-tracked output without a lot gets the order
  number as its lot;
- scrapped material of the product: counted on the order, never in stock;
- personnel minutes x the labour rate in force that day and equipment minutes x
  ``DEFAULT_MACHINE_RATE`` are absorbed into WIP (``absorb_conversion_cost``). An unknown
  person or one without a rate costs 0 and leaves a warning on the order instead of refusing.
Every posting carries the order number as its reference, so ``wip_balance(order)`` is the
order's WIP.

Quantities on the order: good = produced material of the order's item; scrap = scrapped
material of the order's item, or a segment's ``quantity_scrap`` when it reports no scrapped
material. A material's unit must be the item's base unit (no conversion).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.contracts.isa95 import (
    MaterialActual,
    ProductionPerformance,
    ProductionResponse,
    ProductionStatus,
)
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, IdMixin, UtcDateTime
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.types import quantize, utcnow
from gemba.erp.catalog.item import Item, Tracking
from gemba.erp.catalog.uom import Uom
from gemba.erp.finance.journal import Journals
from gemba.erp.finance.production_posting import absorb_conversion_cost
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.location import Locations
from gemba.erp.inventory.valuation import money
from gemba.erp.personnel.labour_rate import labour_rate_on
from gemba.erp.production.production_order import (
    OrderStatus,
    ProductionOrder,
    lock_production_order,
)

ZERO = Decimal(0)
# Work centers carry no machine rate yet: machine time is recorded on the order and costed at
# this rate per hour (0 = machine time is tracked but not charged to WIP).
DEFAULT_MACHINE_RATE = Decimal("0")
DEFAULT_LABOUR_RATE = Decimal("0")  # for an unknown person or one without a rate (warned)
DOC_TYPE = "production"

# How far each status is along; a report never moves an order back.
_RANK = {OrderStatus.PLANNED: 0, OrderStatus.RELEASED: 1, OrderStatus.IN_PROGRESS: 2,
         OrderStatus.COMPLETED: 3}


class AppliedResponse(IdMixin, Base):
    """One MES report (response or status) applied to an order: the idempotency key."""

    __tablename__ = "erp_applied_responses"
    __table_args__ = (UniqueConstraint("order_id", "sequence"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("erp_production_orders.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(100))
    response_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


@dataclass(frozen=True)
class ResponseOutcome:
    order: str
    sequence: int
    applied: bool  # False: this sequence was applied before (skipped)


# --- entry points ---------------------------------------------------------------------------


def apply_performance(uow: UnitOfWork, msg: ProductionPerformance) -> list[ResponseOutcome]:
    """Apply every response of the message once; any refusal refuses the whole message
    (the caller's transaction is rolled back)."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    outcomes = []
    for n, response in enumerate(msg.responses):
        where = f"responses[{n}]"
        order = lock_production_order(uow, response.request_id, f"{where}.request_id")
        if _already_applied(uow, order, response.sequence, msg.header.message_id,
                            response.id):
            outcomes.append(ResponseOutcome(order.number, response.sequence, False))
            continue
        if _has_effects(response) and order.status not in _RANK:
            raise ValidationFailed.on(
                f"{where}.request_id", "order_open",
                f"production order {order.number} is {order.status.value}; it takes no more "
                "production reports")
        _apply_response(uow, order, response, where, _day_of(response, msg))
        _record(uow, order, response.sequence, msg.header.message_id, response.id,
                response.state)
        outcomes.append(ResponseOutcome(order.number, response.sequence, True))
    uow.flush()
    return outcomes


def apply_status(uow: UnitOfWork, msg: ProductionStatus) -> ResponseOutcome:
    """A light state change (sharing the responses' sequence numbers): moves the status
    only; its running totals are informative, the performance reports carry the effects."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    order = lock_production_order(uow, msg.request_id, "request_id")
    response_id = f"{msg.request_id}-S{msg.sequence}"  # as the MES names its responses
    if _already_applied(uow, order, msg.sequence, msg.header.message_id, response_id):
        return ResponseOutcome(order.number, msg.sequence, False)
    _move_status(order, msg.state, effects=False)
    _record(uow, order, msg.sequence, msg.header.message_id, response_id, msg.state)
    uow.flush()
    return ResponseOutcome(order.number, msg.sequence, True)


def applied_responses(uow: UnitOfWork, number: str) -> list[AppliedResponse]:
    uow.actor.require(Permission.INVENTORY_READ)
    return list(uow.session.scalars(
        select(AppliedResponse).join(ProductionOrder,
                                     ProductionOrder.id == AppliedResponse.order_id)
        .where(ProductionOrder.number == number).order_by(AppliedResponse.sequence)))


# --- idempotency ----------------------------------------------------------------------------


def _already_applied(uow: UnitOfWork, order: ProductionOrder, sequence: int,
                     message_id: str, response_id: str) -> bool:
    """True when this sequence was applied. The same report again (same message, or the same
    response in another message: the bus and a B2MML file both carrying it) is silent; a
    different report under a used sequence leaves a warning on the order."""
    seen = uow.session.scalar(select(AppliedResponse).where(
        AppliedResponse.order_id == order.id, AppliedResponse.sequence == sequence))
    if seen is None:
        return False
    if seen.message_id != message_id and seen.response_id != response_id[:100]:
        order.add_warning(f"report {sequence} in message {message_id} ignored: sequence "
                          f"{sequence} was already applied from message {seen.message_id}")
    return True


def _record(uow: UnitOfWork, order: ProductionOrder, sequence: int, message_id: str,
            response_id: str, state: str) -> None:
    uow.session.add(AppliedResponse(order_id=order.id, sequence=sequence,
                                    message_id=message_id[:100], response_id=response_id[:100],
                                    state=state, applied_at=utcnow()))
    uow.flush()


# --- one response ---------------------------------------------------------------------------


def _has_effects(response: ProductionResponse) -> bool:
    return any(m.quantity > 0 for s in response.segments for m in s.materials) or any(
        a.minutes > 0 for s in response.segments for a in (*s.personnel, *s.equipment)) or any(
        s.quantity_scrap > 0 for s in response.segments)


def _day_of(response: ProductionResponse, msg: ProductionPerformance) -> date:
    """The business day of a report: its latest segment time, else when it was sent."""
    times = [t for s in response.segments for t in (s.start_time, s.end_time) if t is not None]
    return max(times).date() if times else msg.header.sent_at.date()


def _items(uow: UnitOfWork, codes: set[str]) -> dict[str, tuple[Item, str, int]]:
    rows = uow.session.execute(select(Item, Uom.code, Uom.precision)
                               .join(Uom, Uom.id == Item.uom_id)
                               .where(Item.code.in_(codes))).all()
    return {item.code: (item, uom, precision) for item, uom, precision in rows}


def _apply_response(uow: UnitOfWork, order: ProductionOrder, response: ProductionResponse,
                    where: str, day: date) -> None:
    materials = [(f"{where}.segments[{s}].materials[{k}]", m)
                 for s, seg in enumerate(response.segments) for k, m in enumerate(seg.materials)]
    items = _items(uow, {m.material_definition_id for _, m in materials})
    moves: list[MoveIn] = []
    good = ZERO
    for path, m in materials:
        if m.material_definition_id not in items:
            raise ValidationFailed.on(f"{path}.material_definition_id", "exists",
                                      f"item {m.material_definition_id!r} does not exist")
        item, uom, precision = items[m.material_definition_id]
        if m.uom.casefold() != uom.casefold():
            raise ValidationFailed.on(f"{path}.uom", "base_unit",
                                      f"{item.code} is kept in {uom}, not {m.uom}")
        if m.quantity <= 0 or m.use == "Scrapped":
            continue
        if m.use == "Consumed":
            # A backflush by the BOM computes exact shares (1.944444 kg); stock is kept to
            # the unit's precision, so the ERP books what it can count.
            qty = quantize(m.quantity, precision)
            if qty <= 0:
                continue
            moves.append(MoveIn(item.code, qty, Locations.STOCK, Locations.PRODUCTION,
                                lot=_lot(item, m, None), reason=f"consumed {response.id}",
                                source=path))
        else:
            moves.append(MoveIn(item.code, m.quantity, Locations.PRODUCTION, Locations.STOCK,
                                lot=_lot(item, m, order.number), unit_cost=item.standard_cost,
                                reason=f"produced {response.id}", source=path))
            if item.id == order.item_id:
                good += m.quantity
    if moves:  # errors name the reported material: responses[0].segments[0].materials[1].lot
        post_moves(uow, moves, doc_type=DOC_TYPE, doc_ref=order.number, day=day,
                   memo=f"Production {order.number} report {response.sequence}",
                   journal=Journals.PRODUCTION)
    scrap = ZERO
    for seg in response.segments:
        scrapped = [m.quantity for m in seg.materials
                    if m.use == "Scrapped" and m.material_definition_id == order.item_code]
        scrap += sum(scrapped, ZERO) if scrapped else seg.quantity_scrap
    _absorb(uow, order, response, day)
    if good:
        order.qty_good += good
    if scrap:
        order.qty_scrap += scrap
    _move_status(order, response.state, effects=_has_effects(response))


def _lot(item: Item, m: MaterialActual, default: str | None) -> str | None:
    """The lot (or serial) a move needs: none for untracked items whatever the MES sent."""
    if item.tracking == Tracking.NONE:
        return None
    if item.tracking == Tracking.SERIAL:
        return m.serial_id or m.lot_id
    return m.lot_id or default


def _absorb(uow: UnitOfWork, order: ProductionOrder, response: ProductionResponse,
            day: date) -> None:
    labour = machine = ZERO
    labour_min = machine_min = ZERO
    for seg in response.segments:
        for person in seg.personnel:
            if person.minutes <= 0:
                continue
            labour_min += person.minutes
            labour += money(person.minutes * _labour_rate(uow, order, person.person_id, day)
                            / 60)
        for equipment in seg.equipment:
            machine_min += equipment.minutes
            machine += money(equipment.minutes * DEFAULT_MACHINE_RATE / 60)
    if labour or machine:
        absorb_conversion_cost(uow, order.number, day=day, labour=labour, overhead=machine)
    if labour_min:
        order.labour_minutes += labour_min
        order.labour_cost += labour
    if machine_min:
        order.machine_minutes += machine_min
        order.machine_cost += machine


def _labour_rate(uow: UnitOfWork, order: ProductionOrder, person: str, day: date) -> Decimal:
    try:
        rate = labour_rate_on(uow, person, day)
    except NotFound:
        order.add_warning(f"labour of unknown person {person!r} costed at "
                          f"{DEFAULT_LABOUR_RATE} per hour")
        return DEFAULT_LABOUR_RATE
    if rate is None:
        order.add_warning(f"{person} has no labour rate on {day.isoformat()}: costed at "
                          f"{DEFAULT_LABOUR_RATE} per hour")
        return DEFAULT_LABOUR_RATE
    return rate


def _move_status(order: ProductionOrder, state: str, *, effects: bool) -> None:
    """Forward only: started/paused -> in progress, completed -> completed. A cancellation
    by the MES completes an order that has work reported (so it can be closed) and cancels
    one that has none."""
    if order.status not in _RANK:
        return  # closed or cancelled orders keep their status
    target = order.status
    if state in ("started", "paused") or (effects and state == "released"):
        target = OrderStatus.IN_PROGRESS
    elif state == "completed":
        target = OrderStatus.COMPLETED
    elif state == "cancelled":
        worked = effects or order.qty_good > 0 or order.qty_scrap > 0 \
            or order.labour_minutes > 0 or order.status == OrderStatus.IN_PROGRESS
        if not worked:
            order.status = OrderStatus.CANCELLED
            return
        order.add_warning("the MES cancelled the order after work was reported: it is "
                          "completed with what was made; close it to settle WIP")
        target = OrderStatus.COMPLETED
    if _RANK[target] > _RANK[order.status]:
        order.status = target
