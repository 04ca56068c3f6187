"""The accountant: invoices every delivery the same afternoon, books customers' payments when
they come (each customer pays in its own rhythm) and pays supplier bills on their due date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time
from decimal import Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.erp.finance.open_item import OpenItem, OpenItemKind
from gemba.erp.finance.payment import AllocationIn, PaymentIn, pay_supplier, receive_payment
from gemba.erp.partners.partner import Partner
from gemba.erp.sales.invoice import InvoiceIn, create_invoice
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderLine
from gemba.sim.clock import working_day_after
from gemba.sim.world import SimActor, actor

ACCOUNTANT = actor("accountant", Role.ACCOUNTANT)
INVOICING = (time(16, 0), time(22, 0))  # after each shipping round
PAYMENTS_IN = time(11, 0)
PAYMENTS_OUT = time(11, 30)
DEFAULT_PAY_DAYS = (10, 30)


class Finance(SimActor):
    name = "finance"

    def start(self) -> None:
        self.sim.at(0, self._adopt_receivables)
        for at in INVOICING:
            self.sim.daily(at, self.invoice)
        self.sim.daily(PAYMENTS_OUT, self.pay_suppliers)

    def invoice(self) -> None:
        today = self.sim.today
        for order, customer in self.sim.read(_to_invoice):
            inv = self.sim.tx(ACCOUNTANT, create_invoice, InvoiceIn(order=order,
                                                                    invoice_date=today))
            if inv is None:
                continue
            self.sim.stats["invoices"] += 1
            self._expect_payment(customer, inv.number, inv.total)

    def _adopt_receivables(self) -> None:
        """Invoices still open when the simulation starts (an earlier run's) get paid too."""
        for customer, invoice, amount, day in self.sim.read(_receivables_open):
            self._expect_payment(customer, invoice, amount, since=max(day, self.sim.today))

    def _expect_payment(self, customer: str, invoice: str, total: Decimal,
                        since: date | None = None) -> None:
        behaviour = next((c for c in self.sim.profile.customers if c.code == customer), None)
        low, high = behaviour.pay_days if behaviour else DEFAULT_PAY_DAYS
        day = working_day_after(since or self.sim.today, self.rng.randint(low, high))
        when = self.sim.clock.midnight(day) + PAYMENTS_IN.hour * 60 + PAYMENTS_IN.minute

        def pay() -> None:
            paid = self.sim.tx(ACCOUNTANT, receive_payment, PaymentIn(
                partner=customer, date=self.sim.today, amount=total, reference=invoice,
                allocations=[AllocationIn(document=invoice, amount=total)]))
            if paid is not None:
                self.sim.stats["customer_payments"] += 1

        self.sim.at(when, pay)

    def pay_suppliers(self) -> None:
        today = self.sim.today
        due: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for supplier, doc, amount in self.sim.read(lambda uow: _payables_due(uow, today)):
            due[supplier].append((doc, amount))
        for supplier, docs in sorted(due.items()):
            total = sum((a for _, a in docs), Decimal(0))
            paid = self.sim.tx(ACCOUNTANT, pay_supplier, PaymentIn(
                partner=supplier, date=today, amount=total, reference=f"run {today}",
                allocations=[AllocationIn(document=d, amount=a) for d, a in docs]))
            if paid is not None:
                self.sim.stats["supplier_payments"] += 1


def _to_invoice(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(order, customer) of every order with delivered quantities not yet invoiced."""
    rows = uow.session.execute(
        select(SalesOrder.number, Partner.code)
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Partner, Partner.id == SalesOrder.customer_id)
        .where(SalesOrderLine.qty_delivered > SalesOrderLine.qty_invoiced)
        .group_by(SalesOrder.number, Partner.code).order_by(SalesOrder.number)).all()
    return [(number, customer) for number, customer in rows]


def _receivables_open(uow: UnitOfWork) -> list[tuple[str, str, Decimal, date]]:
    rows = uow.session.execute(
        select(Partner.code, OpenItem.doc_ref, OpenItem.amount, OpenItem.amount_settled,
               OpenItem.doc_date)
        .join(Partner, Partner.id == OpenItem.partner_id)
        .where(OpenItem.kind == OpenItemKind.RECEIVABLE,
               OpenItem.amount_settled < OpenItem.amount)
        .order_by(OpenItem.doc_date, OpenItem.doc_ref)).all()
    return [(p, d, amount - settled, day) for p, d, amount, settled, day in rows]


def _payables_due(uow: UnitOfWork, today: date) -> list[tuple[str, str, Decimal]]:
    rows = uow.session.execute(
        select(Partner.code, OpenItem.doc_ref, OpenItem.amount, OpenItem.amount_settled)
        .join(Partner, Partner.id == OpenItem.partner_id)
        .where(OpenItem.kind == OpenItemKind.PAYABLE,
               OpenItem.amount_settled < OpenItem.amount, OpenItem.due_date <= today)
        .order_by(Partner.code, OpenItem.due_date, OpenItem.doc_ref)).all()
    return [(p, d, amount - settled) for p, d, amount, settled in rows]  # exact: in Python
