"""Event topics <-> MQTT topics, and the broker filter of a consumer's pattern."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paho.mqtt.client import topic_matches_sub

from gemba.adapters.mqtt.connection import BrokerAddress
from gemba.adapters.mqtt.topics import mqtt_topic, subscription_filter


def test_dots_become_levels_under_the_prefix():
    assert mqtt_topic("isa95.work_order.released") == "gemba/events/isa95/work_order/released"
    assert mqtt_topic("ping", prefix="site1/gemba/") == "site1/gemba/ping"


@pytest.mark.parametrize("topic", ["", "a..b", ".a", "a.", "a/b", "a.+", "a.#"])
def test_topics_mqtt_cannot_carry_are_refused(topic):
    with pytest.raises(ValueError, match="cannot be sent over MQTT"):
        mqtt_topic(topic)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("isa95.work_order.released", "gemba/events/isa95/work_order/released"),
    ("isa95.*", "gemba/events/isa95/#"),
    ("isa95.work_order.*", "gemba/events/isa95/work_order/#"),
    ("isa95.wo*.released", "gemba/events/isa95/#"),
    ("*", "gemba/events/#"),
    ("*.released", "gemba/events/#"),
])
def test_subscription_filter(pattern, expected):
    assert subscription_filter(pattern) == expected


def test_prefix_with_wildcards_is_refused():
    with pytest.raises(ValueError, match="prefix"):
        mqtt_topic("a.b", prefix="gemba/+/events")


level = st.text(alphabet="abcxyz_0-", min_size=1, max_size=4)


@given(topic=st.lists(level, min_size=1, max_size=4).map(".".join),
       pattern=st.lists(st.one_of(level, st.just("*"), level.map(lambda s: s + "*")),
                        min_size=1, max_size=4).map(".".join))
def test_broker_filter_never_loses_what_the_pattern_selects(topic, pattern):
    if fnmatch.fnmatchcase(topic, pattern):
        assert topic_matches_sub(subscription_filter(pattern), mqtt_topic(topic))


def test_broker_address_from_url():
    addr = BrokerAddress.from_url("mqtts://relay:s%40cret@broker.example:8884")
    assert (addr.host, addr.port, addr.tls, addr.username, addr.password) == (
        "broker.example", 8884, True, "relay", "s@cret")
    assert str(addr) == "mqtts://broker.example:8884"  # no password in messages
    assert BrokerAddress.from_url("mqtt://localhost").port == 1883
    with pytest.raises(ValueError):
        BrokerAddress.from_url("http://localhost")
