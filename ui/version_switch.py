"""`< 2 / 3 >` under an answer written more than once: the reader picks which version every page shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from . import names


class VersionSwitch:
    """Kept across redraws of its answer, so an arrow keeps the keyboard's focus while the versions change."""

    def __init__(self, on_pick: Callable[[int], Awaitable[None]]) -> None:
        self.on_pick = on_pick
        self.version = self.versions = 1
        with ui.element('div').classes('parley-versions') as self.root:
            self.root.props['role'] = 'group'
            self.root.props['aria-label'] = names.ANSWER_VERSIONS
            self.previous = self._arrow(names.PREVIOUS_VERSION, 'chevron_left', -1)
            # Seen as "2 / 3", heard as "Version 2 of 3, by <model>": a slash read aloud says nothing.
            self.number = ui.label().classes('parley-version-number')
            self.number.props['aria-hidden'] = 'true'
            self.next = self._arrow(names.NEXT_VERSION, 'chevron_right', 1)
            self.spoken = ui.label().classes('parley-sr-only')
            self.spoken.props['aria-live'] = 'polite'  # a switch is heard where it is made

    def show(self, version: int, versions: int, model: str, *, writing: bool) -> None:
        """Version `version` of `versions`; while it is being written the switch shows it was kept, but waits."""
        self.version, self.versions = version, versions
        self.number.text = f'{version} / {versions}'
        self.number.props['title'] = model  # which model wrote it, on hover: versions often compare models
        self.spoken.text = f'Version {version} of {versions}' + (f', by {model}' if model else '')
        self.previous.enabled = not writing and version > 1
        self.next.enabled = not writing and version < versions

    def _arrow(self, label: str, icon: str, step: int) -> ui.button:
        button = ui.button(icon=icon, color=None, on_click=lambda: self._step(step))
        button.props('flat dense round size=sm').props['aria-label'] = label
        return button

    async def _step(self, step: int) -> None:
        await self.on_pick(self.version + step)
        pressed, other = (self.previous, self.next) if step < 0 else (self.next, self.previous)
        if not pressed.enabled and other.enabled:
            # The arrow pressed reached its end and is disabled now, which drops the focus: hand it to the other.
            ui.run_javascript(f'getElement({other.id})?.$el?.focus()')
