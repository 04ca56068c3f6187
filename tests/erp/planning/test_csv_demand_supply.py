"""demands.csv and supply.csv through ``gemba load``: open orders and forecasts in, every bad
cell named by file, line and column, nothing written on any error, re-loading a no-op."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from gemba.bootstrap import data_files
from gemba.core.dataload.loader import dump_directory, load_directory
from gemba.erp.catalog.bom import Bom
from gemba.erp.catalog.item import Item
from gemba.erp.partners.partner import Partner
from gemba.erp.planning.forecast import Forecast
from gemba.erp.planning.imported import ImportedRef
from gemba.erp.production.production_order import OrderStatus, ProductionOrder
from gemba.erp.purchasing.purchase_order import POStatus, PurchaseOrder
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderStatus
from mrp_testing import FILES, load_plant

D = Decimal


def _count(gemba, model) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def _counts(gemba) -> dict[str, int]:
    return {m.__name__: _count(gemba, m) for m in (Item, Bom, SalesOrder, Forecast,
                                                   PurchaseOrder, ProductionOrder,
                                                   ImportedRef)}


def _errors(result) -> set[tuple[str, int, str | None]]:
    return {(e.file, e.line, e.column) for e in result.errors}


def test_open_orders_and_forecasts_are_imported(gemba, tmp_path):
    result = load_plant(gemba, tmp_path / "in")
    assert result.ok, result.errors
    assert result.counts["demands.csv"] == 2 and result.counts["supply.csv"] == 2
    with gemba.session_factory() as s:
        so = s.scalar(select(SalesOrder))
        assert so.status == SalesOrderStatus.CONFIRMED and so.customer_ref == "SO-1"
        assert so.customer.code == "IMPORTED" and so.customer.is_customer
        assert [(ln.item.code, ln.qty, ln.due_on().isoformat()) for ln in so.lines] == \
            [("BIKE", D(5), "2026-03-16")]
        forecast = s.scalar(select(Forecast))
        assert (forecast.item_code, forecast.qty, forecast.ref) == ("BIKE", D(8), "FC-W12")
        po = s.scalar(select(PurchaseOrder))
        assert po.status == POStatus.CONFIRMED and po.partner.is_supplier
        assert [(ln.item.code, ln.qty, ln.expected_date.isoformat()) for ln in po.lines] == \
            [("WHEEL", D(20), "2026-03-09")]
        mo = s.scalar(select(ProductionOrder))
        assert (mo.item.code, mo.qty, mo.kitted, mo.status) == \
            ("FRAME", D(2), True, OrderStatus.PLANNED)
        refs = {(r.doc_type.value, r.ref): r.doc_number for r in s.scalars(select(ImportedRef))}
        assert refs == {("sales_order", "SO-1"): so.number,
                        ("purchase_order", "PO-7"): po.number,
                        ("production_order", "MO-3"): mo.number}


def test_loading_again_or_loading_a_dump_changes_nothing(gemba, tmp_path):
    assert load_plant(gemba, tmp_path / "in").ok
    before = _counts(gemba)
    again = load_plant(gemba, tmp_path / "in")
    assert again.ok, again.errors
    assert _counts(gemba) == before
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), tmp_path / "dump")
    demands = (tmp_path / "dump" / "demands.csv").read_text().splitlines()
    supply = (tmp_path / "dump" / "supply.csv").read_text().splitlines()
    assert demands[1:] == ["BIKE,5,2026-03-16,sales_order,SO-1,,0",
                           "BIKE,8,2026-03-18,forecast,FC-W12,,"]
    assert supply[1:] == ["WHEEL,20,2026-03-09,purchase_order,PO-7,,0",
                          "FRAME,2,2026-03-05,production_order,MO-3,,"]
    with gemba.uow() as uow:
        result = load_directory(uow, data_files(), tmp_path / "dump")
    assert result.ok, result.errors
    assert _counts(gemba) == before


def test_a_ref_imported_with_other_lines_is_refused(gemba, tmp_path):
    assert load_plant(gemba, tmp_path / "in").ok
    result = load_plant(gemba, tmp_path / "in2", demands="item_code,qty,due_date,kind,ref\n"
                        "BIKE,6,2026-03-16,sales_order,SO-1\n")
    assert _errors(result) == {("demands.csv", 2, "ref")}
    assert "SO-1 is sales order" in result.errors[0].message
    assert _count(gemba, SalesOrder) == 1


def test_bad_demand_and_supply_rows_name_file_line_and_column(gemba, tmp_path):
    result = load_plant(
        gemba, tmp_path / "in",
        demands="item_code,qty,due_date,kind,ref\n"
                "NOPE,5,2026-03-16,sales_order,SO-1\n"        # line 2: unknown item
                "BIKE,-3,2026-03-16,sales_order,SO-2\n"       # line 3: negative quantity
                "BIKE,3,16/03/2026,forecast,FC-1\n"           # line 4: malformed date
                "BIKE,3,2026-03-16,promise,X-1\n"             # line 5: unknown kind
                "BIKE,abc,2026-03-16,forecast,\n"             # line 6: qty and ref
                "BIKE,3,2026-03-20,forecast,FC-9\n"
                "BIKE,4,2026-03-20,forecast,FC-9\n",          # line 8: the same forecast
        supply="item_code,qty,due_date,kind,ref\n"
               "WHEEL,0,2026-03-09,purchase_order,PO-7\n"     # line 2: zero quantity
               "FRAME,2,2026-02-30,production_order,MO-3\n"   # line 3: no such date
               "FRAME,2,2026-03-05,production_order,MO-4\n"
               "FRAME,1,2026-03-06,production_order,MO-4\n"   # line 5: one item per order
               "PAINT,1,2026-03-06,purchase_order,PO-8\n")    # line 6: a service
    assert _errors(result) == {
        ("demands.csv", 2, "item_code"), ("demands.csv", 3, "qty"),
        ("demands.csv", 4, "due_date"), ("demands.csv", 5, "kind"),
        ("demands.csv", 6, "qty"), ("demands.csv", 6, "ref"), ("demands.csv", 8, "ref"),
        ("supply.csv", 2, "qty"), ("supply.csv", 3, "due_date"), ("supply.csv", 5, "ref"),
        ("supply.csv", 6, "item_code")}
    messages = {(e.file, e.line, e.column): e.message for e in result.errors}
    assert "item 'NOPE' does not exist" in messages[("demands.csv", 2, "item_code")]
    assert "greater than zero" in messages[("demands.csv", 3, "qty")]
    assert "'16/03/2026' is not a date" in messages[("demands.csv", 4, "due_date")]
    assert str(result.errors[0]).startswith("demands.csv:2: column item_code:")
    assert all(n == 0 for n in _counts(gemba).values())  # nothing written, items neither


def test_lead_time_not_a_number_and_a_bom_cycle_are_refused(gemba, tmp_path):
    items = FILES["items.csv"].replace("BIKE,Bike,manufactured,ea,2,",
                                       "BIKE,Bike,manufactured,ea,two,")
    result = load_plant(gemba, tmp_path / "in", items=items)
    assert ("items.csv", 2, "lead_time_days") in _errors(result)
    assert all(n == 0 for n in _counts(gemba).values())
    boms = FILES["boms.csv"] + "FRAME,BIKE,1,0\n"  # line 5: BIKE -> FRAME -> BIKE
    result = load_plant(gemba, tmp_path / "in2", boms=boms)
    assert ("boms.csv", 5, "component_code") in _errors(result)
    assert any("BOM cycle" in e.message for e in result.errors)
    assert all(n == 0 for n in _counts(gemba).values())


def test_named_partners_are_created_and_one_order_has_one(gemba, tmp_path):
    result = load_plant(
        gemba, tmp_path / "in",
        demands="item_code,qty,due_date,kind,ref,customer\n"
                "BIKE,5,2026-03-16,sales_order,SO-1,ACME\n"
                "FRAME,1,2026-03-16,sales_order,SO-1,ACME\n"
                "BIKE,1,2026-03-17,sales_order,SO-2,ACME\n"
                "BIKE,1,2026-03-17,sales_order,SO-2,OTHER\n",  # line 5: second customer
        supply="item_code,qty,due_date,kind,ref,supplier,unit_price\n"
               "WHEEL,20,2026-03-09,purchase_order,PO-7,STEELCO,2.5\n"
               "TUBE,5.5,2026-03-09,purchase_order,PO-7,STEELCO,4\n")
    assert _errors(result) == {("demands.csv", 5, "customer")}
    result = load_plant(
        gemba, tmp_path / "in2",
        demands="item_code,qty,due_date,kind,ref,customer\n"
                "BIKE,5,2026-03-16,sales_order,SO-1,ACME\n"
                "FRAME,1,2026-03-16,sales_order,SO-1,ACME\n",
        supply="item_code,qty,due_date,kind,ref,supplier,unit_price\n"
               "WHEEL,20,2026-03-09,purchase_order,PO-7,STEELCO,2.5\n"
               "TUBE,5.5,2026-03-09,purchase_order,PO-7,STEELCO,4\n")
    assert result.ok, result.errors
    with gemba.session_factory() as s:
        so = s.scalar(select(SalesOrder))
        assert so.customer.code == "ACME" and len(so.lines) == 2
        po = s.scalar(select(PurchaseOrder))
        assert po.partner.code == "STEELCO"
        assert [(ln.qty, ln.unit_price) for ln in po.lines] == [(D(20), D("2.5")),
                                                                 (D("5.5"), D(4))]
        assert s.scalar(select(Partner.id).where(Partner.code == "IMPORTED")) is None
