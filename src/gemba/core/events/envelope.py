"""The envelope every relayed event travels in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Envelope:
    message_id: str
    topic: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"message_id": self.message_id, "topic": self.topic,
                           "payload": self.payload}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Envelope:
        data = json.loads(raw)
        return cls(message_id=str(data["message_id"]), topic=str(data["topic"]),
                   payload=dict(data["payload"]))
