"""Parley's entry point: read the settings, prepare storage and providers, then start NiceGUI.

    python app.py                  a personal app on http://127.0.0.1:8080 (opens the browser)
    python app.py --no-show        the same without opening a browser
    python app.py --native         in a native window
    python app.py --host 0.0.0.0   on a server (team mode: needs PARLEY_AUTH and PARLEY_SESSION_SECRET)
    python app.py create-user NAME --admin   an account for team mode (see engine/account_cli.py)
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from engine.settings import Settings

log = logging.getLogger('parley')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='parley', description='A chat app for large language models.')
    parser.add_argument('--host', help='address to bind (default 127.0.0.1: this machine only)')
    parser.add_argument('--port', type=int, help='port to listen on (default 8080)')
    parser.add_argument('--data-dir', type=Path, help="where conversations are kept (default: the user's data dir)")
    parser.add_argument('--no-show', dest='show', action='store_false', default=None,
                        help='do not open a browser on start')
    parser.add_argument('--native', action='store_true', default=None, help='open in a native window')
    return parser.parse_args(argv)


def load_settings(argv: list[str] | None = None) -> Settings:
    """Flags win over the environment, which wins over `.env`, which wins over the defaults."""
    args = parse_args(argv)
    overrides = {name: value for name, value in vars(args).items() if value is not None}
    return Settings(**overrides)


def freeze_startup_heap() -> None:
    """Take what exists once Parley has started (modules, SDKs, settings) out of the garbage collector's scans.

    Python's full collection walks every tracked object, and the imported SDKs and NiceGUI are most of them: it
    paused the whole server for 255-519 ms in the middle of twenty streams, a stall every page shared (bench
    streams-20). Frozen, it walks only what was made since (pages, answers): 52-115 ms. Garbage is collected first,
    so nothing freed is kept; objects made later are collected as before. (A provider loaded at startup and removed
    later is still freed by reference counting; only a part of it held in a reference cycle stays until restart.)
    """
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    if (sys.argv[1:] if argv is None else argv)[:1] == ['create-user']:
        from engine.account_cli import create_user
        raise SystemExit(create_user((sys.argv[1:] if argv is None else argv)[1:]))
    settings = load_settings(argv)
    from engine.accounts import startup_problem, storage_secret
    if problem := startup_problem(settings):  # e.g. --host 0.0.0.0 without sign-in: refuse, saying what to set
        sys.exit(f'parley: {problem}')
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    for chatty in ('httpx', 'httpx2', 'alembic.runtime.migration'):  # one line per request or step is noise
        logging.getLogger(chatty).setLevel(logging.WARNING)

    from nicegui import app, ui

    from engine.chat import ChatEngine
    from engine.generation import StreamPolicy
    from engine.limits import usage_limits
    from engine.provider_setup import add_local_ollama, build_registry
    from storage.database import create_db_engine, default_database_url, migrate
    from storage.repository import Repository
    from ui import register, serve_assets
    from ui.csp import install_csp
    from ui.native_window import configure as configure_native_window
    from ui.preferences import keep_in

    where = (configure_native_window(settings) if settings.native  # exits at once if the GUI backend is missing
             else {'host': settings.host, 'port': settings.port, 'show': settings.show})

    keep_in(settings.data_dir / 'nicegui')  # NiceGUI's own files (the preferences) go with the data
    database = create_db_engine(settings.database_url or default_database_url(settings.data_dir))
    migrate(database)
    repository = Repository(database)
    if interrupted := repository.mark_interrupted():
        log.info('%d answer(s) were cut off by the last shutdown; they are marked interrupted', interrupted)
    providers = build_registry(settings)
    policy = StreamPolicy(attempts=settings.retry_attempts, idle_timeout=settings.idle_timeout)
    chat = ChatEngine(repository, providers, max_message_chars=settings.max_message_chars, policy=policy,
                      limits=usage_limits(settings, repository), team=settings.team_mode)

    async def discover_models() -> None:
        await add_local_ollama(providers, settings)
        await providers.refresh()

    app.on_startup(freeze_startup_heap)  # before any page is served: pages and answers stay collectable
    app.on_startup(discover_models)
    app.on_shutdown(chat.shutdown)

    @app.get('/healthz')
    def health() -> dict[str, str]:
        return {'status': 'ok'}  # a plain route, so health checks never build a page

    serve_assets()
    install_csp(app)
    if settings.team_mode:
        from ui.team import setup_team
        setup_team(settings, database, stop_answers=chat.stop_all,  # sign-in middleware, /login, /logout, /admin
                   owns=lambda user, chat_id: repository.get_conversation(chat_id, user_id=user) is not None)
    register(chat, settings)
    ui.run(**where, reload=False, root_path=settings.root_path,  # served under a sub-path: see README
           storage_secret=storage_secret(settings),  # signs the session cookie; see engine/accounts.py
           session_middleware_kwargs={'https_only': settings.https_only_cookies},
           tailwind=False,  # its runtime rescans the page on every DOM change; Parley's few utilities are in parley.css
           title='Parley', favicon=Path(__file__).parent / 'assets' / 'icon.svg', show_welcome_message=False)


if __name__ == '__main__':
    main()
