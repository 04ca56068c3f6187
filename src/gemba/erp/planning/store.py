"""The stored plan: planned orders with their pegging, exception messages and the MRP table of
every item, as the last MRP run left them; plus a log of runs.

A plan is derived data, recomputed on every run, so its rows are not audited and are written
in bulk: a regenerative run empties the tables and inserts everything (PostgreSQL: ``COPY``;
SQLite: one ``executemany`` per table); a net-change run rewrites the rows of the items whose
result changed. Runs are serialised (a table lock on PostgreSQL, SQLite's single writer), so
ids can be handed out before the insert and the pegs refer to them without a round trip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, Qty, UtcDateTime
from gemba.core.db.dialect import is_postgres
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound
from gemba.core.listing import Page, PageRequest, paginate
from gemba.erp.catalog.item import Item
from gemba.erp.planning.model import (
    BucketRow,
    ExceptionMessage,
    Peg,
    Plan,
    PlannedOrder,
)

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class MrpRun(Base):
    """One MRP run: when, for which day, how (regenerative or net change) and what came out."""

    __tablename__ = "erp_mrp_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    today: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))  # regenerative | net_change
    actor: Mapped[str] = mapped_column(String(80))
    items: Mapped[int] = mapped_column(Integer)  # planned (regenerative) or re-planned items
    planned_orders: Mapped[int] = mapped_column(Integer)
    exceptions: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)


class PlannedOrderRecord(Base):
    """A planned order (APICS): what MRP proposes to buy or make, by when."""

    __tablename__ = "erp_planned_orders"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(20))  # purchase | production
    qty: Mapped[Decimal] = mapped_column(Qty)
    release_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    expedite: Mapped[bool] = mapped_column(Boolean)

    item: Mapped[Item] = relationship(lazy="joined")
    pegs: Mapped[list[PlannedOrderPeg]] = relationship(
        primaryjoin="foreign(PlannedOrderPeg.planned_order_id) == PlannedOrderRecord.id",
        lazy="selectin", order_by="PlannedOrderPeg.seq", viewonly=True)

    @property
    def item_code(self) -> str:
        return self.item.code


class PlannedOrderPeg(Base):
    """Which top-level demand (sales order, forecast) a planned order serves, and how much.

    Half a million of these come with a 10,000-item plan, so the table is lean: keyed by
    order and position, and without a foreign key (whose per-row check would cost more than
    the insert). Only MRP writes it, always together with the orders: a run deletes the pegs
    of the orders it replaces, and the order ids it hands out are never reused."""

    __tablename__ = "erp_planned_order_pegs"
    __table_args__ = {"sqlite_with_rowid": False}  # one B-tree, keyed as it is read

    planned_order_id: Mapped[int] = mapped_column(BIG_ID, primary_key=True,
                                                  autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    demand_ref: Mapped[str] = mapped_column(String(60))
    qty: Mapped[Decimal] = mapped_column(Qty)


class MrpException(Base):
    """An action message: reschedule an open order in or out, cancel it, expedite."""

    __tablename__ = "erp_mrp_exceptions"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(60))
    date: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)

    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code


class MrpItemRecord(Base):
    """The MRP table of one item (gross, receipts, projected on hand, net, planned per event
    date) as JSON: read one item at a time, written ten thousand at a time."""

    __tablename__ = "erp_mrp_records"

    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id", ondelete="CASCADE"),
                                         primary_key=True)
    rows: Mapped[str] = mapped_column(Text)


# --- writing ------------------------------------------------------------------------------

_ORDER_COLS = ("id", "item_id", "kind", "qty", "release_date", "due_date", "expedite")
_PEG_COLS = ("planned_order_id", "seq", "demand_ref", "qty")
_EXC_COLS = ("item_id", "kind", "ref", "date", "message")
_REC_COLS = ("item_id", "rows")


def lock_plan(uow: UnitOfWork) -> None:
    """Serialise MRP runs (readers are not blocked); SQLite's writer lock already does."""
    if is_postgres(uow.session):
        uow.session.execute(text("LOCK TABLE erp_mrp_runs IN EXCLUSIVE MODE"))


def _dec(value: Decimal) -> str:
    return format(value, "f")


def record_rows(rows: Sequence[BucketRow]) -> str:
    return json.dumps([[r.date.isoformat(), _dec(r.gross), _dec(r.receipts),
                        _dec(r.projected_on_hand), _dec(r.net), _dec(r.planned)]
                       for r in rows], separators=(",", ":"))


def _order_ids(uow: UnitOfWork, n: int) -> list[int]:
    """``n`` fresh planned-order ids, never used before (pegs of a deleted item's orders
    may linger until the next regenerative run). Only MRP writes the table and its runs are
    serialised, so a block is taken at once (PostgreSQL: the sequence moved past it)."""
    if n == 0:
        return []
    if is_postgres(uow.session):
        seq = "pg_get_serial_sequence('erp_planned_orders', 'id')"
        last = int(uow.session.execute(text(
            f"SELECT setval({seq}, nextval({seq}) + :n - 1)"), {"n": n}).scalar_one())
        return list(range(last - n + 1, last + 1))
    start = int(uow.session.scalar(text(
        "SELECT max(coalesce((SELECT max(id) FROM erp_planned_orders), 0), "
        "coalesce((SELECT max(planned_order_id) FROM erp_planned_order_pegs), 0))")) or 0)
    return list(range(start + 1, start + n + 1))


def _insert(uow: UnitOfWork, table: str, cols: Sequence[str],
            rows: list[tuple[Any, ...]]) -> None:
    """One bulk insert of rows whose values are text or integers: COPY on PostgreSQL (the
    rows become COPY's text format here, several times faster than arrays through
    ``unnest`` or binary COPY of Decimals at this size), one executemany on SQLite."""
    if not rows:
        return
    conn = uow.session.connection()
    if not is_postgres(uow.session):
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            rows)
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    tabs = len(cols) - 1
    with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
            f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for start in range(0, len(rows), 20_000):
            lines = []
            for row in rows[start:start + 20_000]:
                line = "\t".join(map(str, row))
                if line.count("\t") != tabs or "\\" in line or "\n" in line or "\r" in line:
                    line = "\t".join(_copy_escape(str(v)) for v in row)
                lines.append(line)
            lines.append("")
            copy.write("\n".join(lines))


def _copy_escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


@dataclass
class Written:
    planned_orders: int = 0
    pegs: int = 0
    exceptions: int = 0
    records: int = 0


class _Texts(dict[date, str]):
    """ISO text of dates, computed once per date (SQLite stores dates as text)."""

    def __missing__(self, key: date) -> str:
        value = self[key] = key.isoformat()
        return value


def _write(uow: UnitOfWork, orders: Sequence[PlannedOrder],
           exceptions: Sequence[ExceptionMessage], records: dict[str, Sequence[BucketRow]],
           item_ids: dict[str, int]) -> Written:
    """Rows as text (a Decimal's str() is exact; dates ISO, each formatted once)."""
    order_rows: list[tuple[Any, ...]] = []
    peg_rows: list[tuple[Any, ...]] = []
    day = _Texts()
    for oid, o in zip(_order_ids(uow, len(orders)), orders, strict=True):
        order_rows.append((oid, item_ids[o.item], o.kind, str(o.qty), day[o.release_date],
                           day[o.due_date], int(o.expedite)))
        peg_rows.extend((oid, n, p.demand_ref, str(p.qty))
                        for n, p in enumerate(o.pegging, start=1))
    exc_rows = [(item_ids[e.item], e.kind, e.ref, day[e.date], e.message) for e in exceptions]
    _insert(uow, "erp_planned_orders", _ORDER_COLS, order_rows)
    _insert(uow, "erp_planned_order_pegs", _PEG_COLS, peg_rows)
    _insert(uow, "erp_mrp_exceptions", _EXC_COLS, exc_rows)
    _insert(uow, "erp_mrp_records", _REC_COLS,
            [(item_ids[code], record_rows(rows)) for code, rows in records.items()])
    return Written(len(order_rows), len(peg_rows), len(exc_rows), len(records))


def replace_plan(uow: UnitOfWork, plan: Plan, item_ids: dict[str, int]) -> Written:
    """Regenerative: the stored plan becomes exactly ``plan``."""
    if is_postgres(uow.session):
        uow.session.execute(text("TRUNCATE erp_planned_order_pegs, erp_planned_orders, "
                                 "erp_mrp_exceptions, erp_mrp_records"))
    else:
        for model in (PlannedOrderPeg, PlannedOrderRecord, MrpException, MrpItemRecord):
            uow.session.execute(delete(model.__table__))
    return _write(uow, plan.planned_orders, plan.exceptions, plan.records, item_ids)


def update_items(uow: UnitOfWork, plan: Plan, items: Iterable[str],
                 item_ids: dict[str, int]) -> Written:
    """Net change: rewrite the stored rows of ``items`` from ``plan``; the rest stay."""
    codes = set(items)
    if not codes:
        return Written()
    ids = [item_ids[c] for c in codes if c in item_ids]
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        orders = PlannedOrderRecord.__table__
        order_ids = select(orders.c.id).where(orders.c.item_id.in_(chunk))
        pegs = PlannedOrderPeg.__table__
        uow.session.execute(delete(pegs).where(pegs.c.planned_order_id.in_(order_ids)))
        for model in (PlannedOrderRecord, MrpException, MrpItemRecord):
            table = model.__table__
            uow.session.execute(delete(table).where(table.c.item_id.in_(chunk)))
    return _write(uow, [o for o in plan.planned_orders if o.item in codes],
                  [e for e in plan.exceptions if e.item in codes],
                  {c: rows for c, rows in plan.records.items() if c in codes}, item_ids)


def log_run(uow: UnitOfWork, *, started_at: datetime, today: date, mode: str, items: int,
            planned_orders: int, exceptions: int, duration_ms: int) -> MrpRun:
    run = MrpRun(started_at=started_at, today=today, mode=mode, actor=uow.actor.username,
                 items=items, planned_orders=planned_orders, exceptions=exceptions,
                 duration_ms=duration_ms)
    uow.session.add(run)
    uow.flush()
    return run


# --- reading ------------------------------------------------------------------------------

def list_planned_orders(uow: UnitOfWork, page: PageRequest) -> Page[PlannedOrderRecord]:
    """Filters: item (code), kind (purchase | production); by release date."""
    uow.actor.require(Permission.PLANNING_READ)
    stmt = select(PlannedOrderRecord).join(Item, Item.id == PlannedOrderRecord.item_id)
    return paginate(uow.session, stmt, page, search=[Item.code, Item.name],
                    filterable={"item": Item.code, "kind": PlannedOrderRecord.kind},
                    order_by=[PlannedOrderRecord.release_date, Item.code,
                              PlannedOrderRecord.id])


def list_exceptions(uow: UnitOfWork, page: PageRequest) -> Page[MrpException]:
    """Filters: item (code), kind; by date."""
    uow.actor.require(Permission.PLANNING_READ)
    stmt = select(MrpException).join(Item, Item.id == MrpException.item_id)
    return paginate(uow.session, stmt, page, search=[Item.code, MrpException.ref],
                    filterable={"item": Item.code, "kind": MrpException.kind,
                                "ref": MrpException.ref},
                    order_by=[MrpException.date, Item.code, MrpException.id])


@dataclass(frozen=True)
class ItemPlan:
    """One item's part of the stored plan: its MRP table, planned orders and exceptions."""

    item: str
    rows: list[BucketRow]
    planned_orders: list[PlannedOrder]
    exceptions: list[ExceptionMessage]


def item_plan(uow: UnitOfWork, code: str) -> ItemPlan:
    uow.actor.require(Permission.PLANNING_READ)
    item_id = uow.session.scalar(select(Item.id).where(Item.code == code))
    if item_id is None:
        raise NotFound(f"item {code!r} does not exist")
    raw = uow.session.scalar(select(MrpItemRecord.rows).where(MrpItemRecord.item_id == item_id))
    rows = [BucketRow(date.fromisoformat(d), Decimal(g), Decimal(r), Decimal(poh), Decimal(n),
                      Decimal(p)) for d, g, r, poh, n, p in json.loads(raw or "[]")]
    orders = uow.session.scalars(select(PlannedOrderRecord).where(
        PlannedOrderRecord.item_id == item_id).order_by(PlannedOrderRecord.due_date,
                                                        PlannedOrderRecord.id)).all()
    excs = uow.session.scalars(select(MrpException).where(
        MrpException.item_id == item_id).order_by(MrpException.date, MrpException.id)).all()
    return ItemPlan(code, rows, [to_planned_order(o, code) for o in orders],
                    [ExceptionMessage(code, e.kind, e.ref, e.date, e.message) for e in excs])


def to_planned_order(row: PlannedOrderRecord, code: str | None = None) -> PlannedOrder:
    return PlannedOrder(item=code or row.item.code, kind=row.kind, qty=row.qty,
                        release_date=row.release_date, due_date=row.due_date,
                        expedite=row.expedite,
                        pegging=tuple(Peg(p.demand_ref, p.qty) for p in row.pegs))


def stored_plan(uow: UnitOfWork) -> Plan:
    """The whole stored plan (without the MRP tables), by item code, then date."""
    uow.actor.require(Permission.PLANNING_READ)
    codes = {item_id: code for item_id, code in uow.session.execute(
        select(Item.id, Item.code))}
    pegs: dict[int, list[Peg]] = {}
    for oid, ref, qty in uow.session.execute(
            select(PlannedOrderPeg.planned_order_id, PlannedOrderPeg.demand_ref,
                   PlannedOrderPeg.qty).order_by(PlannedOrderPeg.planned_order_id,
                                                 PlannedOrderPeg.seq)):
        pegs.setdefault(oid, []).append(Peg(ref, qty))
    orders = [PlannedOrder(codes[i], k, q, r, d, bool(x), tuple(pegs.get(oid, ())))
              for oid, i, k, q, r, d, x in uow.session.execute(
                  select(PlannedOrderRecord.id, PlannedOrderRecord.item_id,
                         PlannedOrderRecord.kind, PlannedOrderRecord.qty,
                         PlannedOrderRecord.release_date, PlannedOrderRecord.due_date,
                         PlannedOrderRecord.expedite).order_by(PlannedOrderRecord.id))]
    excs = [ExceptionMessage(codes[i], k, ref, d, m) for i, k, ref, d, m in uow.session.execute(
        select(MrpException.item_id, MrpException.kind, MrpException.ref, MrpException.date,
               MrpException.message).order_by(MrpException.id))]
    # Ids follow the plan within an item; a net change rewrites items with new ids.
    orders.sort(key=lambda o: o.item)
    excs.sort(key=lambda e: e.item)
    return Plan(planned_orders=orders, exceptions=excs, records={})


def count_rows(uow: UnitOfWork) -> dict[str, int]:
    return {name: int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (("planned_orders", PlannedOrderRecord),
                                ("pegs", PlannedOrderPeg), ("exceptions", MrpException))}
