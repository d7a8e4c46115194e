"""Call a method of a custom element's Vue component in the browser, parsed once."""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui


def call_method(element: ui.element, method: str, *args: Any) -> None:
    """Like `element.run_method`, for calls sent often (every delta, every list change) and never awaited.

    run_method sends `return runMethod(...)`, which the browser first evaluates as a script (a SyntaxError: `return`
    outside a function) and then again inside an async function: two parses of every call. The bare call is one.
    """
    if element.is_deleted or element.client.is_deleted:
        return
    element.client.run_javascript(f'runMethod({element.id}, {json.dumps(method)}, {json.dumps(args)})')
