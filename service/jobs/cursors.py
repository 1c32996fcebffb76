"""Opaque keyset cursors: clients pass back what we gave them, and cannot forge sense into it."""

from __future__ import annotations

import base64
import binascii

from service.errors import InvalidInput

__all__ = ["decode_cursor", "encode_cursor"]


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The position after which the next page starts; -1 for the first page."""
    if cursor is None or cursor == "":
        return -1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = raw.partition(":")
        number = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        number, found = -1, ""
    if found != kind or not 0 <= number < 2**31:
        raise InvalidInput.field("cursor", "not a cursor this endpoint gave out")
    return number
