"""Results as CSV or JSON Lines, one encoded chunk per lead, for streaming downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime

import msgspec

from service.jobs.records import Lead

__all__ = ["COLUMNS", "csv_chunks", "jsonl_chunks"]

COLUMNS: tuple[str, ...] = Lead.__struct_fields__
# A spreadsheet runs a cell starting with these as a formula (CSV injection);
# a leading apostrophe makes it text, as OWASP recommends.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ENCODER = msgspec.json.Encoder()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # The same text the JSON formats carry, so every format agrees.
        return _ENCODER.encode(value)[1:-1].decode()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def csv_chunks(leads: AsyncIterable[Lead]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    async for lead in leads:
        writer.writerow([_cell(getattr(lead, column)) for column in COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def jsonl_chunks(leads: AsyncIterable[Lead]) -> AsyncIterator[bytes]:
    chunk = bytearray()
    async for lead in leads:
        chunk += _ENCODER.encode(lead) + b"\n"
        if len(chunk) > 64 * 1024:
            yield bytes(chunk)
            chunk.clear()
    yield bytes(chunk)
