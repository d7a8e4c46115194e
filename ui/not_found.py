"""An address Parley does not have: a page in Parley's look and theme with a way back, instead of NiceGUI's error
page (a face, "404" and "HTTPException: 404: Not Found", always light, with no way on)."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from nicegui import Client, app, ui
from nicegui.page import page
from starlette.exceptions import HTTPException

from . import auth, names
from .current_user import team_mode
from .side_page import side_page

NOT_FOUND = 'This page does not exist'
# Set on a request whose route answers a person's click (a download link) rather than a script: its 404 is this page.
FOR_PEOPLE = 'parley_for_people'


def register_not_found() -> None:
    """Take over NiceGUI's 404 handler (registered when nicegui is imported; the last one registered is used)."""

    @app.exception_handler(404)
    async def not_found(request: Request, exception: Exception) -> Response:
        # As NiceGUI does: an API route's own 404 (an asset, a library file) stays a plain JSON answer.
        endpoint = request.scope.get('endpoint')
        if (endpoint is not None and endpoint is not app and not request.scope.get('nicegui_page_path')
                and not getattr(request.state, FOR_PEOPLE, False) and isinstance(exception, HTTPException)):
            return await http_exception_handler(request, exception)
        # In team mode an address the sign-in middleware lets through unchecked (NiceGUI's own, /_nicegui/...) has
        # no user to take the theme from: a plain answer, as for a missing file.
        if team_mode() and not getattr(request.state, auth.OWNER, None):
            return await http_exception_handler(request, HTTPException(404))
        with Client(page(''), request=request) as client:
            not_found_page()
        return client.build_response(request, 404)


def not_found_page() -> None:
    ui.page_title(f'{NOT_FOUND} · Parley')
    side_page('Parley')
    with ui.element('main').classes('parley-not-found'):
        with ui.element('h1'):
            ui.label(NOT_FOUND)
        ui.label('The address may be mistyped, or what it pointed to was moved.')
        ui.link(names.START_NEW_CHAT, '/')
