"""Rounding quantities up to a unit of measure's precision (MRP never plans short)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

_QUANTA = {p: Decimal(1).scaleb(-p) for p in range(10)}


def unit(precision: int) -> Decimal:
    """The smallest quantity in ``precision`` decimals: 3 -> 0.001."""
    return _QUANTA.get(precision) or Decimal(1).scaleb(-precision)


def ceil_to(qty: Decimal, precision: int) -> Decimal:
    """``qty`` rounded up to ``precision`` decimals: 1.0001 kg at 3 -> 1.001."""
    return qty.quantize(_QUANTA.get(precision) or unit(precision), rounding=ROUND_CEILING)


def ceil_multiple(qty: Decimal, lot: Decimal) -> Decimal:
    """The smallest multiple of ``lot`` (> 0) that is at least ``qty``."""
    return (qty / lot).to_integral_value(rounding=ROUND_CEILING) * lot
