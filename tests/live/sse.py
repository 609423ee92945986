"""Reading server-sent events in tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Message:
    event: str | None
    id: int | None
    data: Any
    comment: str | None
    raw: bytes


def parse(chunk: bytes) -> list[Message]:
    """The messages in a chunk of a text/event-stream body."""
    messages = []
    for block in chunk.decode().split("\n\n"):
        if not block.strip():
            continue
        event = comment = None
        ident: int | None = None
        data: list[str] = []
        for line in block.split("\n"):
            name, _sep, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                comment = value
            elif name == "event":
                event = value
            elif name == "id":
                ident = int(value)
            elif name == "data":
                data.append(value)
        messages.append(
            Message(event, ident, json.loads("\n".join(data)) if data else None, comment, block.encode())
        )
    return messages
