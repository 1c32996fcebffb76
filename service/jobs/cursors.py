"""Opaque keyset cursors: clients pass back what we gave them, and cannot forge sense into it."""

from __future__ import annotations

import base64
import binascii

from service.errors import InvalidInput

__all__ = ["decode_cursor", "encode_cursor"]

_SEPARATOR = "|"


def encode_cursor(kind: str, *parts: str) -> str:
    raw = _SEPARATOR.join((kind, *parts))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, parts: int) -> list[str]:
    """The parts of a cursor this endpoint (``kind``) gave out; InvalidInput otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    found = raw.split(_SEPARATOR)
    if found[0] != kind or len(found) != parts + 1:
        raise InvalidInput.field("cursor", "not a cursor this endpoint gave out")
    return found[1:]


def decode_position(kind: str, cursor: str | None) -> int:
    """For cursors that hold one position: the one after which the page starts, -1 first."""
    if not cursor:
        return -1
    (value,) = decode_cursor(kind, cursor, 1)
    if not value.isdigit() or int(value) >= 2**63:
        raise InvalidInput.field("cursor", "not a cursor this endpoint gave out")
    return int(value)
