"""`/import`: a person brings their chats from ChatGPT or Claude (their export's zip, or its conversations.json).

Every signed-in person may import into their own history; nothing here is an administrator's. The import itself
is engine/importer.py's; the page takes the file, says how far it has come, and what it found.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from nicegui import app, ui
from nicegui.events import UploadEventArguments

from engine.chat import ChatEngine
from engine.importer import ImportRefused, ImportResult, import_chats
from engine.settings import Settings
from storage.errors import describe

from . import names
from .current_user import current_user_id
from .preferences import new_chat_model
from .side_page import side_page
from .upload_limit import UploadLimit

log = logging.getLogger(__name__)

IMPORT_PATH = '/import'
HOW = [
    ('ChatGPT', 'Settings → Data controls → Export data. The link to a zip comes by email.'),
    ('Claude', 'Settings → Privacy → Export data. The link to a zip comes by email.'),
]


def register_import(engine: ChatEngine, settings: Settings) -> None:
    app.add_middleware(UploadLimit, max_bytes=settings.max_import_mb * 1024 * 1024)

    @ui.page(IMPORT_PATH, title='Import chats · Parley')
    def import_page() -> None:
        side_page(names.IMPORT_CHATS)
        ImportPage(engine, settings)


def said(result: ImportResult) -> str:
    """What an import did, in words."""
    count = result.imported
    words = [f'Imported {count:,} conversation{"" if count == 1 else "s"}.']
    if result.extended:
        words.append(f'{result.extended:,} imported before {"was" if result.extended == 1 else "were"} brought up to '
                     'date with the messages written since.')
    if result.already_here:
        words.append(f'{result.already_here:,} {"was" if result.already_here == 1 else "were"} already here, '
                     'with nothing new.')
    if result.changed_here:
        one = result.changed_here == 1
        words.append(f'{result.changed_here:,} had newer messages there, but {"was" if one else "were"} taken up or '
                     f'changed here since, so {"it was" if one else "they were"} left as Parley has '
                     f'{"it" if one else "them"}.')
    if result.unreadable:
        words.append(f'{result.unreadable:,} entr{"y" if result.unreadable == 1 else "ies"} of the file '
                     f'{"was" if result.unreadable == 1 else "were"} empty or not a conversation Parley can read.')
    return ' '.join(words)


class ImportPage:
    def __init__(self, engine: ChatEngine, settings: Settings) -> None:
        self.engine, self.user_id = engine, current_user_id()  # read in the page's context: imports are theirs
        self.model = new_chat_model(engine.providers, settings.default_model)  # imported chats go on with it
        self.result: ImportResult | None = None
        self.limit_mb = settings.max_import_mb
        with ui.column().classes('parley-import w-full max-w-3xl mx-auto gap-4 p-4'):
            # A heading to a screen reader (its list of headings is how many find their way), as it looks.
            ui.label(names.IMPORT_HEADING).classes('text-h6').props('role=heading aria-level=1')
            ui.label('Export your data there, then choose the zip you get (or the conversations.json inside it). '
                     'Each chat keeps its dates, its answers and its custom instructions; images and tool runs '
                     'stay behind. A chat imported before is not imported twice.')
            with ui.element('ul').classes('parley-import-how'):
                for app_name, steps in HOW:
                    with ui.element('li'):
                        ui.label(f'{app_name}: ').classes('inline text-weight-medium')
                        ui.label(steps).classes('inline')
            self.upload = ui.upload(auto_upload=True, max_file_size=self.limit_mb * 1024 * 1024,
                                    on_upload=self.imported, on_rejected=self.rejected)
            self.upload.on('failed', self.failed)
            self.upload.props('accept=".zip,.json,application/zip,application/json" flat bordered')
            self.upload.classes('w-full parley-import-upload')
            # One plain button (a file can also be dropped on it), and how much has been sent while it is sent:
            # QUploader's own header is a small "+" and its file list a byte count. These are elements of the slot,
            # bound to its props, and not a template: NiceGUI builds a template anew on each render of the page (the
            # first comes as the socket connects), which would put a new button in place of one holding the focus.
            with self.upload.add_slot('header'), ui.element('div').classes('parley-import-pick'):
                with ui.button(names.EXPORT_FILE, icon='upload_file').classes('parley-import-button') as pick:
                    ui.element('q-uploader-add-trigger')  # the file input, over the button: a click lands on it
                pick.props('unelevated no-caps color=primary')
                pick.props[':style'] = "props.canAddFiles ? '' : 'display: none'"
                # Enter or Space clicks the button itself, not the input over it.
                pick.on('click', js_handler='(event) => props.pickFiles(event)')
                sending = ui.element('span')
                sending.props[':hidden'] = '!props.isUploading'
                sending.props[':textContent'] = "'Sending the file… ' + props.uploadProgressLabel"
                drop = ui.label('or drop it here (.zip or .json)').classes('parley-import-drop')
                drop.props[':hidden'] = 'props.isUploading || !props.canAddFiles'
            self.status = ui.label().classes('parley-import-status')
            self.status.props['role'] = 'status'
            self.status.props['aria-label'] = names.IMPORT_STATUS
            # Every two seconds: often enough to see it move, not so often that a screen reader reads nothing else.
            self.progress = ui.timer(2.0, self._show_progress, active=False)
            self.done = ui.link('Back to your chats', '/').classes('parley-import-done')
            self.done.visible = False

    def rejected(self) -> None:
        self._say(f'That file was not taken: Import chats takes the .zip or .json file of an export, of up to '
                  f'{self.limit_mb:,} MB. (If your zip is larger, choose the conversations.json inside it.)',
                  problem=True)

    def failed(self) -> None:
        self._say('The file could not be sent: it is over the size Parley takes, or the connection broke. Try '
                  'again.', problem=True)

    async def imported(self, event: UploadEventArguments) -> None:
        """The file has arrived: import it, saying how many conversations so far every two seconds."""
        self.result = ImportResult()
        self._say('Importing…')
        self.progress.active = True
        self.upload.disable()  # one import at a time from this page: a second would mix up the counts
        suffix = Path(event.file.name).suffix if event.file.name else ''
        with tempfile.TemporaryDirectory(prefix='parley-import-') as folder:
            path = Path(folder) / f'export{suffix}'
            try:
                await event.file.save(path)
                await import_chats(self.engine, path, user_id=self.user_id, model_key=self.model, result=self.result)
            except ImportRefused as refused:
                self._say(str(refused), problem=True)
                self.done.visible = bool(self.result.imported or self.result.extended)
                return
            except Exception as error:  # storage failed: what was stored stays, and the page says so
                log.exception('importing chats failed')
                self._say(f'The import stopped: {describe(error)}. {said(self.result)} Try the file again: '
                          'chats already imported are skipped.', problem=True)
                return
            finally:
                self.progress.active = False
                self.upload.reset()
                self.upload.enable()
                self._give_focus_back()
        found = self.result.read
        self._say(said(self.result) if found else 'This file holds no conversation Parley can read.', problem=not found)
        self.done.visible = bool(found)

    def _give_focus_back(self) -> None:
        # The pick button hides while the file is sent, and focus falls to the page: a keyboard user would have to
        # find their way back from the top. Not taken from wherever the person has moved it meanwhile.
        ui.run_javascript(f'''requestAnimationFrame(() => {{
            if (document.activeElement === document.body || document.activeElement === null)
                document.querySelector("#c{self.upload.id} .parley-import-button")?.focus(); }})''')

    def _show_progress(self) -> None:
        if self.result is not None:
            found = self.result.read
            self._say(f'Importing… {found:,} conversation{"" if found == 1 else "s"} so far.')

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.status.text = text
        if problem:
            self.status.classes(add='parley-problem')
        else:
            self.status.classes(remove='parley-problem')
