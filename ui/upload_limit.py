"""A cap on files sent to a page's upload element, checked before the body is read.

NiceGUI's upload route spools a body of any size to disk, and the browser's own check of the size (QUploader's
`max-file-size`) is only a courtesy: a script can send what it likes. This refuses an upload whose declared length
is over the limit (413), or that declares none (411), before a byte of it is read; the server itself refuses a body
longer than its declared length.
"""

from __future__ import annotations

import re

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

UPLOAD = re.compile(r'/_nicegui/client/[^/]+/upload/[^/]+$')  # NiceGUI's route for every ui.upload
FORM_OVERHEAD = 64 * 1024  # the multipart form's boundaries and headers around the file


class UploadLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and scope['method'] == 'POST' and UPLOAD.search(scope['path']):
            length = dict(scope['headers']).get(b'content-length')
            refusal = None
            if length is None or not length.isdigit():
                refusal = PlainTextResponse('An upload must say its length.', status_code=411)
            elif int(length) > self.max_bytes + FORM_OVERHEAD:
                refusal = PlainTextResponse('This file is over the size Parley takes.', status_code=413)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
