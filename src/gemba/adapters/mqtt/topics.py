"""Mapping between Gemba event topics (``isa95.work_order.released``) and MQTT topics.

Events travel under ``gemba/events/<topic with dots as slashes>``. Consumers keep the
fnmatch-style patterns of the in-process bus; the broker filter is only a coarse pre-selection
(``isa95.*`` -> ``gemba/events/isa95/#``) and the exact match is done on the envelope's topic,
so a pattern selects the same events in embedded mode and in production.
"""

from __future__ import annotations

DEFAULT_PREFIX = "gemba/events"
_MQTT_RESERVED = set("+#/\0")
_FNMATCH_SPECIAL = set("*?[")


def _check_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if not prefix or any(c in prefix for c in "+#\0"):
        raise ValueError(f"invalid MQTT topic prefix {prefix!r}")
    return prefix


def mqtt_topic(topic: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``isa95.order.released`` -> ``gemba/events/isa95/order/released``."""
    levels = topic.split(".")
    if any(not level or _MQTT_RESERVED & set(level) for level in levels):
        raise ValueError(
            f"event topic {topic!r} cannot be sent over MQTT: use dot-separated, non-empty "
            "levels without '/', '+' or '#'"
        )
    return f"{_check_prefix(prefix)}/{'/'.join(levels)}"


def subscription_filter(pattern: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The broker filter that receives at least every topic the fnmatch ``pattern`` matches.

    Literal leading levels are kept; from the first level holding a wildcard on, ``#`` takes
    over (fnmatch's ``*`` also crosses dots, so ``+`` would be too narrow).
    """
    literal: list[str] = []
    for level in pattern.split("."):
        if _FNMATCH_SPECIAL & set(level):
            break
        if not level or _MQTT_RESERVED & set(level):
            raise ValueError(f"topic pattern {pattern!r} has an empty or reserved level")
        literal.append(level)
    else:
        return f"{_check_prefix(prefix)}/{'/'.join(literal)}"
    return "/".join([_check_prefix(prefix), *literal, "#"])
