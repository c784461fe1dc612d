"""What callers hold, as the JSON bytes of one OpenLineage event.

Users hand events over in many forms: a dict, JSON text or bytes, the official
`openlineage-python` client's event objects (attrs classes), or this project's own
pydantic events. The Python client, the connector context and the CLI need the same bytes
from them, so the conversion lives here, once, with no I/O and no dependency on the
official client being installed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from schemas.json_text import dump_json


class NotAnEvent(TypeError):
    """The object is none of the forms an OpenLineage event can be given in."""


def event_bytes(event: Any) -> bytes:
    """The JSON bytes of one event given as bytes, text, a dict, a pydantic model or an
    official-client object. Bytes and text are passed through untouched (the producer's
    exact bytes travel on); nothing is validated here."""
    if isinstance(event, bytes):
        return event
    if isinstance(event, bytearray | memoryview):
        return bytes(event)
    if isinstance(event, str):
        return event.encode()
    if isinstance(event, dict):
        return dump_json(event)
    if isinstance(event, BaseModel):
        return dump_json(event.model_dump(mode="json", by_alias=True, exclude_none=True))
    if type(event).__module__.startswith("openlineage."):
        return _official_client_json(event)
    raise NotAnEvent(
        f"cannot send a {type(event).__name__} as an OpenLineage event: give a dict, JSON text or bytes,"
        " or an openlineage-python event object"
    )


def _official_client_json(event: Any) -> bytes:
    """The official client's own serialisation (drops nulls, turns enums into values)."""
    from openlineage.client.serde import Serde

    return Serde.to_json(event).encode()
