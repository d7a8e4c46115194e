"""The conversations of an export file (`conversations.json`, or the zip it comes in), one at a time, within bounds.

An export can be hundreds of megabytes and is uploaded by any signed-in person, so nothing here holds the file whole,
and no file can make one conversation eat the memory: each is built from ijson's events, refused past MAX_DEPTH levels
(a real one is a dozen deep; ijson's own `items` keeps a path that costs the square of the depth, and a 40 KB file of
brackets took a gigabyte) or MAX_ITEM_CHARS characters of text.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import ijson

MAX_DEPTH = 64
MAX_ITEM_CHARS = 256 * 1024 * 1024  # characters in one conversation: ten times the longest real ones
MAX_STRING_BYTES = 64 * 1024 * 1024
MAX_UNPACKED = 16 * 1024 ** 3  # bytes of a zipped conversations.json; the zip reader stops at the size it declares

NOT_AN_EXPORT = ('This file is not a ChatGPT or Claude export. Choose the zip the export came in, or the '
                 'conversations.json inside it.')
NO_CONVERSATIONS = 'This zip has no conversations.json: is it a ChatGPT or Claude export?'
TOO_BIG_UNPACKED = 'The conversations.json in this zip is over 16 GB unpacked: Parley does not import that.'
TOO_BIG_ITEM = ('A conversation in this file is too large to import (over 256 million characters, or one text over '
                '64 MB): Parley stopped there.')
DAMAGED_ZIP = 'This zip is damaged or encrypted, so Parley cannot read it. Download the export again.'


class ImportRefused(ValueError):
    """A file that cannot be imported (or no further), with the reason in plain words."""


@contextmanager
def conversations_in(path: Path) -> Iterator[Iterator[Any]]:
    """The conversations of an export file, one by one, as the JSON has them."""
    try:
        if not zipfile.is_zipfile(path):
            with path.open('rb') as file:
                yield items_of(file)
            return
        with zipfile.ZipFile(path) as archive:
            # The export's own file, not one in a folder of per-conversation copies or another app's data.
            members = sorted((m for m in archive.infolist() if m.filename.rsplit('/', 1)[-1] == 'conversations.json'),
                             key=lambda m: (m.filename.count('/'), m.filename))
            if not members:
                raise ImportRefused(NO_CONVERSATIONS)
            if members[0].file_size > MAX_UNPACKED:
                raise ImportRefused(TOO_BIG_UNPACKED)
            with archive.open(members[0]) as file:
                yield items_of(file)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as error:  # damaged, encrypted, unknown method
        raise ImportRefused(DAMAGED_ZIP) from error


def items_of(file: IO[bytes]) -> Iterator[Any]:
    """A JSON list is read item by item; an object is one conversation, or holds them under `conversations`."""
    # A megabyte at a time: ijson copies a string being read at every chunk, so 64 KB chunks made a 50 MB string
    # take 5 s (0.4 s like this).
    events = ijson.basic_parse(_QuoteGaps(file), use_float=True, buf_size=1024 * 1024)
    try:
        first, _ = next(events)
    except (ijson.JSONError, StopIteration, UnicodeDecodeError) as error:
        raise ImportRefused(NOT_AN_EXPORT) from error
    if first == 'start_array':
        return _items(events)
    if first == 'start_map':
        return _in_object(events)
    raise ImportRefused(NOT_AN_EXPORT)


def _items(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """The items of an array whose start was read, each built on its own."""
    for event, value in events:
        if event == 'end_array':
            return
        yield _Builder().build(event, value, events, depth=1)
    raise ijson.IncompleteJSONError('the file ends inside the list of conversations')


def _in_object(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """A top-level object: the list under its `conversations` key, streamed, or else the object itself."""
    whole: dict[str, Any] = {}
    builder, listed = _Builder(), False
    for event, key in events:
        if event == 'end_map':
            break
        event, value = next(events)
        if key == 'conversations' and event == 'start_array':
            listed = True
            yield from _items(events)
        else:
            whole[key] = builder.build(event, value, events, depth=1)
    if not listed:
        yield whole


class _QuoteGaps:
    """The file, refused where MAX_STRING_BYTES go by without a quote: ijson reads a string whole, and copies it at
    every chunk, so one string of hundreds of megabytes would cost minutes and its size in memory before the
    conversation's own bound could see it. A real export's longest string is a message, far below this."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.gap = file, 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        runs = data.split(b'"')  # C speed; a chunk is a megabyte
        longest = self.gap + len(runs[0])
        if len(runs) > 1:
            longest = max(longest, *map(len, runs[1:]))
            self.gap = len(runs[-1])
        else:
            self.gap = longest
        if longest > MAX_STRING_BYTES:
            raise ImportRefused(TOO_BIG_ITEM)
        return data


class _Builder:
    """One JSON value from ijson's events, counting the characters of its text."""

    def __init__(self) -> None:
        self.chars = 0

    def _count(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > MAX_ITEM_CHARS:
            raise ImportRefused(TOO_BIG_ITEM)

    def build(self, event: str, value: Any, events: Iterator[tuple[str, Any]], depth: int) -> Any:
        if event == 'string':
            self._count(value)
            return value
        if event not in ('start_map', 'start_array'):
            return value  # a number, true, false or null
        if depth >= MAX_DEPTH:
            raise ImportRefused(NOT_AN_EXPORT)
        if event == 'start_array':
            items = []
            for event, value in events:
                if event == 'end_array':
                    return items
                items.append(self.build(event, value, events, depth + 1))
        else:
            mapping: dict[str, Any] = {}
            for event, key in events:
                if event == 'end_map':
                    return mapping
                self._count(key)
                event, value = next(events)
                mapping[key] = self.build(event, value, events, depth + 1)
        raise ijson.IncompleteJSONError('the file ends inside a conversation')
