"""How fast Import chats reads and stores an export, and what it costs in memory.

`python -m bench.import_speed [--conversations N] [--turns T]` writes a ChatGPT-shaped `conversations.json` (N
conversations of T questions and answers, answers about 2 KB each), imports it into a fresh SQLite database the
way the page does (engine/importer.py, in a worker thread), and prints the time, the rate and the process's peak
resident memory before and after the import (the file is never read whole, so the second should stay close to the
first whatever the file's size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.chat import ChatEngine
from engine.importer import ImportResult, import_chats
from providers.registry import ProviderRegistry
from storage.database import create_db_engine, migrate
from storage.repository import Repository
from tests.engine.export_samples import T0, chatgpt_message, node, text

QUESTION = ' '.join(['What does lorem ipsum dolor sit amet mean?'] * 2)
ANSWER = ' '.join(['Lorem ipsum dolor sit amet, consectetur adipiscing elit.'] * 36)


def conversation(index: int, turns: int) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    previous: str | None = None
    for turn in range(turns):
        for role, words in (('user', QUESTION), ('assistant', ANSWER)):
            node_id = f'{index}-{turn}-{role}'
            message = chatgpt_message(node_id, role, text(f'{words} ({index}.{turn})'), at=T0 + index * 100 + turn,
                                      model_slug='gpt-4o')
            mapping[node_id] = node(node_id, previous, [], message)
            if previous:
                mapping[previous]['children'].append(node_id)
            previous = node_id
    return {'title': f'Chat {index}', 'create_time': T0 + index * 100, 'update_time': T0 + index * 100 + turns,
            'mapping': mapping, 'current_node': previous}


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--conversations', type=int, default=2000)
    parser.add_argument('--turns', type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / 'conversations.json'
        with path.open('w', encoding='utf-8') as file:  # written one conversation at a time, as it is read
            file.write('[')
            for index in range(args.conversations):
                file.write(',' * bool(index) + json.dumps(conversation(index, args.turns)))
            file.write(']')
        database = create_db_engine(f'sqlite:///{folder}/parley.db')
        migrate(database)
        engine = ChatEngine(Repository(database), ProviderRegistry(), max_message_chars=200_000)
        before = peak_mb()
        started = time.perf_counter()
        result = asyncio.run(import_chats(engine, path, user_id=None, model_key=None, result=ImportResult()))
        took = time.perf_counter() - started
        megabytes = path.stat().st_size / 1e6
        print(f'{result.imported} conversations of {args.turns * 2} messages ({megabytes:.0f} MB) imported in '
              f'{took:.1f} s: {result.imported / took:.0f} conversations/s, {megabytes / took:.1f} MB/s; '
              f'peak resident memory {before} MB before the import, {peak_mb()} MB after')


if __name__ == '__main__':
    main()
