"""Suppliers with the items they deliver (lead times, minimums, price breaks; one preferred
where there are two), customers and their price lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gemba.core.db.uow import UnitOfWork
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.purchasing.supplier_item import PriceBreakIn, SupplierItemIn, create_supplier_item
from gemba.erp.sales.price_list import (
    CustomerPriceListIn,
    PriceListIn,
    PriceListLineIn,
    create_price_list,
    set_customer_price_list,
)

D = Decimal


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    payment_terms_days: int
    email: str
    price_list: str | None = None  # customers


SUPPLIERS = [
    Partner("ALUTEC", "AluTec Profile GmbH", 30, "orders@alutec.example"),
    Partner("METALCO", "MetalCo Trading", 14, "sales@metalco.example"),
    Partner("COATEX", "Coatex Powder Coatings", 30, "service@coatex.example"),
    Partner("RIMTEC", "Rimtec Wheel Parts", 30, "orders@rimtec.example"),
    Partner("TYRECO", "TyreCo Europe", 7, "orders@tyreco.example"),
    Partner("COMPONENTA", "Componenta Bike Parts", 30, "sales@componenta.example"),
    Partner("FASTEN", "Fasten Schrauben KG", 0, "info@fasten.example"),
    Partner("VOLTDRIVE", "VoltDrive Systems", 14, "oem@voltdrive.example"),
]


@dataclass(frozen=True)
class Offer:
    supplier: str
    item: str
    lead_time_days: int
    min_qty: Decimal
    price: Decimal
    preferred: bool = True
    breaks: tuple[tuple[Decimal, Decimal], ...] = ()  # (from qty, unit price)


OFFERS = [
    Offer("ALUTEC", "TUBE-AL", 7, D(100), D("8.20"), breaks=((D(500), D("7.90")),)),
    Offer("METALCO", "TUBE-AL", 10, D(50), D("8.60"), preferred=False),
    Offer("COATEX", "PAINT-RAL9005", 3, D(25), D("14.50")),
    Offer("RIMTEC", "RIM-28", 8, D(100), D("7.90")),
    Offer("RIMTEC", "HUB-F", 8, D(50), D("9.40")),
    Offer("RIMTEC", "SPOKE", 6, D(1000), D("0.11")),
    Offer("FASTEN", "SPOKE", 4, D(2000), D("0.12"), preferred=False),
    Offer("FASTEN", "BOLT-M5", 2, D(1000), D("0.04")),
    Offer("TYRECO", "TIRE-28", 3, D(100), D("6.80"), breaks=((D(400), D("6.50")),)),
    Offer("COMPONENTA", "CHAIN", 3, D(50), D("7.20")),
    Offer("COMPONENTA", "SADDLE", 3, D(50), D("11.00")),
    Offer("COMPONENTA", "BRAKE-V", 3, D(50), D("6.10")),
    Offer("COMPONENTA", "CABLE", 3, D(100), D("0.35")),
    Offer("COMPONENTA", "RACK", 3, D(20), D("12.50")),
    Offer("VOLTDRIVE", "HUB-MOTOR", 10, D(10), D("142.00")),
    Offer("VOLTDRIVE", "BATTERY-500", 10, D(10), D("265.00")),
    Offer("VOLTDRIVE", "CONTROLLER", 8, D(10), D("58.00")),
    Offer("VOLTDRIVE", "DISPLAY", 8, D(10), D("34.00")),
    Offer("VOLTDRIVE", "HARNESS", 6, D(20), D("12.50")),
]

# code, name, [(item, min qty, unit price)]
PRICE_LISTS = [
    ("DEALER", "Dealer prices 2026", [
        ("BIKE-CITY", D(0), D("449.00")), ("BIKE-TREK", D(0), D("569.00")),
        ("BIKE-E28", D(0), D("1499.00")), ("WHEEL-28", D(0), D("49.00")),
        ("FRAME-AL", D(0), D("149.00"))]),
    ("KEY", "Key account prices 2026", [
        ("BIKE-CITY", D(0), D("419.00")), ("BIKE-TREK", D(0), D("539.00")),
        ("BIKE-E28", D(0), D("1399.00")), ("BIKE-E28", D(10), D("1349.00")),
        ("WHEEL-28", D(0), D("45.00")), ("FRAME-AL", D(0), D("139.00"))]),
    ("OEM", "OEM frame prices 2026", [
        ("FRAME-AL", D(0), D("129.00")), ("FRAME-AL", D(50), D("119.00")),
        ("WHEEL-28", D(0), D("42.00"))]),
]

CUSTOMERS = [
    Partner("VELOHAUS", "Velohaus Berlin", 14, "einkauf@velohaus.example", "DEALER"),
    Partner("RADWELT", "Radwelt München", 30, "order@radwelt.example", "DEALER"),
    Partner("CYCLECITY", "Cycle City Lyon", 30, "achats@cyclecity.example", "DEALER"),
    Partner("PEDALPRO", "PedalPro Milano", 14, "ordini@pedalpro.example", "DEALER"),
    Partner("BIKEPOINT", "BikePoint Wien", 7, "office@bikepoint.example", "DEALER"),
    Partner("KEYRIDE", "KeyRide Retail Group", 30, "supply@keyride.example", "KEY"),
    Partner("NORDFRAME", "Nordic Frameworks AB", 30, "purchasing@nordframe.example", "OEM"),
]


def build_partners(uow: UnitOfWork, today: date) -> None:
    del today  # price lists and offers are valid from the start
    for s in SUPPLIERS:
        create_partner(uow, PartnerIn(code=s.code, name=s.name, is_supplier=True,
                                      payment_terms_days=s.payment_terms_days, email=s.email))
    for o in OFFERS:
        create_supplier_item(uow, SupplierItemIn(
            supplier=o.supplier, item=o.item, lead_time_days=o.lead_time_days,
            min_qty=o.min_qty, preferred=o.preferred,
            price_breaks=[PriceBreakIn(min_qty=D(0), unit_price=o.price)]
            + [PriceBreakIn(min_qty=q, unit_price=p) for q, p in o.breaks]))
    for code, name, lines in PRICE_LISTS:
        create_price_list(uow, PriceListIn(code=code, name=name, lines=[
            PriceListLineIn(item=item, min_qty=qty, unit_price=price)
            for item, qty, price in lines]))
    for c in CUSTOMERS:
        create_partner(uow, PartnerIn(code=c.code, name=c.name, is_customer=True,
                                      payment_terms_days=c.payment_terms_days, email=c.email))
        set_customer_price_list(uow, c.code, CustomerPriceListIn(price_list=c.price_list))
