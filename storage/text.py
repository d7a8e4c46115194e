"""Text as both backends can store it."""

from __future__ import annotations


def storable(text: str) -> str:
    """text as both backends can keep it: PostgreSQL rejects NUL characters and UTF-8 has no lone surrogates."""
    if '\x00' in text:
        text = text.replace('\x00', '\ufffd')
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:  # a lone surrogate, e.g. from JSON that split a surrogate pair
        text = text.encode('utf-16', 'surrogatepass').decode('utf-16', 'replace')
    return text
