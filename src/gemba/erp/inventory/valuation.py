"""Stock valuation per item: standard cost, moving average or FIFO layers.

``ItemValuation`` holds the company-wide quantity and value of each item in internal
locations; the Inventory account always equals the sum of these values, because every move
that changes them posts the same amount to it in the same transaction (``ledger.post_moves``).

A ``Valuator`` works for one posting call: it locks the items' valuation rows (PostgreSQL row
locks, in item order so concurrent posters never deadlock), computes values in memory in move
order and writes them back in a few statements. Amounts are rounded to 4 decimals per move; an
issue that empties the item takes exactly the value that is left, so no rounding residue stays
behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.db.base import Base, Money, Qty
from gemba.core.db.dialect import insert_for, is_postgres
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict
from gemba.core.types import MONEY_PLACES, quantize
from gemba.erp.catalog.item import CostingMethod, Item

ZERO = Decimal(0)


class ItemValuation(Base):
    __tablename__ = "erp_item_valuations"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_not_negative"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), primary_key=True)
    qty: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    value: Mapped[Decimal] = mapped_column(Money, default=ZERO)


class CostLayer(Base):
    """A FIFO layer: what is left of one receipt, consumed oldest first."""

    __tablename__ = "erp_cost_layers"
    __table_args__ = (CheckConstraint("qty_remaining >= 0", name="qty_not_negative"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty_in: Mapped[Decimal] = mapped_column(Qty)
    value_in: Mapped[Decimal] = mapped_column(Money)
    qty_remaining: Mapped[Decimal] = mapped_column(Qty)
    value_remaining: Mapped[Decimal] = mapped_column(Money)


def money(value: Decimal) -> Decimal:
    return quantize(value, MONEY_PLACES)


@dataclass
class _Layer:
    id: int | None
    qty: Decimal
    value: Decimal
    qty_in: Decimal = ZERO
    value_in: Decimal = ZERO
    dirty: bool = False


@dataclass
class _State:
    item: Any
    qty: Decimal
    value: Decimal
    layers: list[_Layer] | None = None  # FIFO only, loaded when stock is first issued
    fresh: list[_Layer] = field(default_factory=list)  # received before the layers loaded
    dirty: bool = False

    def all_layers(self) -> list[_Layer]:
        return (self.layers or []) + self.fresh


@dataclass
class Valuator:
    """Values the moves of one posting call; ``revaluations`` collects standard-cost
    true-ups (item id, amount) that the caller books against the revaluation account."""

    uow: UnitOfWork
    items: dict[int, Any]  # Item or ledger.StockItem
    states: dict[int, _State] = field(default_factory=dict)
    revaluations: list[tuple[int, Decimal]] = field(default_factory=list)

    def load(self) -> None:
        session = self.uow.session
        ids = sorted(self.items)
        if not ids:
            return
        # One statement creates the missing rows, row-locks the others (a no-op update takes
        # the lock on PostgreSQL) and returns the current quantity and value of all.
        if is_postgres(session):
            rows = session.execute(text(
                "INSERT INTO erp_item_valuations (item_id, qty, value) "
                "SELECT i, 0, 0 FROM unnest(CAST(:ids AS integer[])) AS v(i) "
                "ON CONFLICT (item_id) DO UPDATE SET qty = erp_item_valuations.qty "
                "RETURNING item_id, qty, value"), {"ids": ids}).all()
        else:
            table = ItemValuation.__table__
            upsert = insert_for(session, table)
            upsert = upsert.on_conflict_do_update(
                index_elements=["item_id"], set_={"qty": table.c.qty}).returning(
                table.c.item_id, table.c.qty, table.c.value)
            rows = session.connection().execute(
                upsert, [{"item_id": i, "qty": ZERO, "value": ZERO} for i in ids]).all()
        for item_id, qty, value in rows:
            self.states[item_id] = _State(self.items[item_id], Decimal(qty), Decimal(value))

    def unit_cost(self, item_id: int) -> Decimal:
        """The cost an incoming move without a document cost is valued at."""
        st = self.states[item_id]
        if st.item.costing_method != CostingMethod.STANDARD and st.qty > 0:
            return st.value / st.qty
        return st.item.standard_cost

    def _true_up_standard(self, st: _State) -> None:
        target = money(st.qty * st.item.standard_cost)
        if st.value != target:
            self.revaluations.append((st.item.id, target - st.value))
            st.value = target
            st.dirty = True

    def receive(self, item_id: int, qty: Decimal, doc_value: Decimal) -> Decimal:
        """Stock comes in; returns the value added to inventory."""
        st = self.states[item_id]
        method = st.item.costing_method
        if method == CostingMethod.STANDARD:
            self._true_up_standard(st)
            value = money(qty * st.item.standard_cost)
        else:
            value = money(doc_value)
        if method == CostingMethod.FIFO:
            layer = _Layer(None, qty, value, qty, value, dirty=True)
            (st.fresh if st.layers is None else st.layers).append(layer)
        st.qty += qty
        st.value += value
        st.dirty = True
        return value

    def issue(self, item_id: int, qty: Decimal) -> Decimal:
        """Stock goes out; returns the value taken from inventory."""
        st = self.states[item_id]
        method = st.item.costing_method
        if method == CostingMethod.STANDARD:
            self._true_up_standard(st)
        if qty > st.qty:
            # The balance checks refuse this first; kept as a guard for the invariant.
            raise Conflict(f"valuation of {st.item.code} has {st.qty}, cannot issue {qty}")
        if qty == st.qty:
            value = st.value
            if method == CostingMethod.FIFO:
                for layer in self._layers(st):
                    layer.qty, layer.value, layer.dirty = ZERO, ZERO, True
        elif method == CostingMethod.STANDARD:
            value = money(qty * st.item.standard_cost)
        elif method == CostingMethod.AVERAGE:
            value = money(st.value * qty / st.qty)
        else:
            value = self._consume_layers(st, qty)
        st.qty -= qty
        st.value -= value
        st.dirty = True
        return value

    def _layers(self, st: _State) -> list[_Layer]:
        if st.layers is None:
            self._load_layers()
        assert st.layers is not None
        return st.layers

    def _load_layers(self) -> None:
        """Open layers of every FIFO item of this call, in one query."""
        fifo = [s for s in self.states.values()
                if s.item.costing_method == CostingMethod.FIFO and s.layers is None]
        for st in fifo:
            st.layers = []
        if fifo:
            self._read_layers(fifo)
        for st in fifo:  # this call's receipts are the newest layers
            assert st.layers is not None
            st.layers.extend(st.fresh)
            st.fresh = []

    def _read_layers(self, fifo: list[_State]) -> None:
        if not fifo:
            return
        rows = self.uow.session.execute(
            select(CostLayer.item_id, CostLayer.id, CostLayer.qty_remaining,
                   CostLayer.value_remaining)
            .where(CostLayer.item_id.in_([s.item.id for s in fifo]),
                   CostLayer.qty_remaining > 0)
            .order_by(CostLayer.item_id, CostLayer.id)).all()
        for item_id, layer_id, qty, value in rows:
            layers = self.states[item_id].layers
            assert layers is not None
            layers.append(_Layer(layer_id, Decimal(qty), Decimal(value)))

    def _consume_layers(self, st: _State, qty: Decimal) -> Decimal:
        left, value = qty, ZERO
        for layer in self._layers(st):
            if left == 0:
                break
            if layer.qty == 0:
                continue
            take = min(left, layer.qty)
            part = layer.value if take == layer.qty else money(layer.value * take / layer.qty)
            layer.qty -= take
            layer.value -= part
            layer.dirty = True
            value += part
            left -= take
        if left != 0:
            raise Conflict(f"FIFO layers of {st.item.code} hold less than {qty}")
        return value

    def save(self) -> None:
        """Write back in at most three statements, whatever the number of items."""
        conn = self.uow.session.connection()
        changed = [s for s in self.states.values() if s.dirty]
        if not changed:
            return
        table, layers = ItemValuation.__table__, CostLayer.__table__
        if is_postgres(self.uow.session):
            conn.execute(text(
                "UPDATE erp_item_valuations AS t SET qty = v.q, value = v.v FROM unnest("
                "CAST(:i AS integer[]), CAST(:q AS numeric[]), CAST(:v AS numeric[])) "
                "AS v(i, q, v) WHERE t.item_id = v.i"),
                {"i": [st.item.id for st in changed], "q": [st.qty for st in changed],
                 "v": [st.value for st in changed]})
        else:
            conn.execute(update(table).where(table.c.item_id == bindparam("b_item"))
                         .values(qty=bindparam("b_qty"), value=bindparam("b_value")),
                         [{"b_item": st.item.id, "b_qty": st.qty, "b_value": st.value}
                          for st in changed])
        new = [{"item_id": st.item.id, "qty_in": layer.qty_in, "value_in": layer.value_in,
                "qty_remaining": layer.qty, "value_remaining": layer.value}
               for st in changed for layer in st.all_layers() if layer.id is None]
        touched = [{"b_id": layer.id, "b_qty": layer.qty, "b_value": layer.value}
                   for st in changed for layer in st.all_layers()
                   if layer.id is not None and layer.dirty]
        if new:
            conn.execute(insert(layers), new)
        if touched:
            conn.execute(update(layers).where(layers.c.id == bindparam("b_id"))
                         .values(qty_remaining=bindparam("b_qty"),
                                 value_remaining=bindparam("b_value")), touched)


def check_method_change(uow: UnitOfWork, item: Item) -> None:
    """The costing method may change only while the item has no stock (no revaluation)."""
    qty = uow.session.scalar(select(ItemValuation.qty).where(ItemValuation.item_id == item.id))
    if qty:
        from gemba.core.errors import ValidationFailed

        raise ValidationFailed.on("costing_method", "no_stock",
                                  f"{item.code} has {qty} in stock; issue or count it to zero "
                                  "before changing how it is valued")


def inventory_value(uow: UnitOfWork) -> Decimal:
    from sqlalchemy import func

    return Decimal(str(uow.session.scalar(
        select(func.coalesce(func.sum(ItemValuation.value), 0))) or 0))
