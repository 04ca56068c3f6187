"""Shared value helpers: Decimal quantities and money, timezone-aware UTC time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

QTY_PLACES = 6
MONEY_PLACES = 4


def utcnow() -> datetime:
    """The only clock domain code uses: always timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Databases that drop tzinfo (SQLite) hand back naive UTC; make it aware again."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimals, the way a stock clerk expects."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """An amount as accountants read it: 1,200.00 (more decimals only when they are not 0)."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents:,.2f}" if cents == value else f"{value.normalize():,f}"
