"""How long Parley takes to start: from launch to its first answer over HTTP, and to every model list fetched.

`python -m bench.start_time [--runs N] [--root DIR]` starts `app.py` N times (a fresh data directory each time, the
fake providers' three keys set, as in the browser tests) and prints the median and range of:

- ready: launch to `/healthz` answering, when a browser could open the page;
- listed: launch to the fake having received the model-list request of all three providers (the model picker is
  complete; before that it offers the fallback models).

`--root` runs another checkout's `app.py` (an older commit, to compare in one run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.fakes.server import FakeServer, free_port, running_fake_server
from tests.ui.conftest import base_env

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = {'openai', 'anthropic', 'gemini'}


def start_once(root: Path, fake: FakeServer) -> tuple[float, float]:
    port = free_port()
    env = base_env()  # as the browser tests start it: no key, URL or database of the developer's
    env.update(fake.env)
    env.update({'PARLEY_OLLAMA_URL': '', 'PYTHONUNBUFFERED': '1'})
    seen = len(fake.recorder.requests)
    with tempfile.TemporaryDirectory() as data:
        began = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(root / 'app.py'), '--port', str(port), '--no-show',
                                    '--data-dir', data], cwd=data, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            ready = listed = None
            while listed is None or ready is None:
                if time.perf_counter() - began > 120 or process.poll() is not None:
                    raise RuntimeError('Parley did not start')
                if ready is None:
                    try:
                        if httpx.get(f'http://127.0.0.1:{port}/healthz', timeout=1).status_code == 200:
                            ready = time.perf_counter() - began
                    except httpx.HTTPError:
                        pass
                asked = {request.provider for request in fake.recorder.requests[seen:]
                         if request.path.endswith('/models')}
                if listed is None and asked == PROVIDERS:
                    listed = time.perf_counter() - began
                time.sleep(0.02)
        finally:
            process.terminate()
            process.wait(10)
    return ready, listed


def main() -> None:
    parser = argparse.ArgumentParser(prog='python -m bench.start_time', description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--root', type=Path, action='append', help='a checkout whose app.py to start (repeatable; '
                        'runs alternate between them)')
    args = parser.parse_args()
    roots = args.root or [ROOT]
    figures: dict[Path, list[tuple[float, float]]] = {root: [] for root in roots}
    with running_fake_server() as fake:
        for _ in range(args.runs):
            for root in roots:
                figures[root].append(start_once(root, fake))
    for root, runs in figures.items():
        for index, label in enumerate(('ready', 'listed')):
            values = [run[index] for run in runs]
            print(f'{root}  {label:6}  median {statistics.median(values):5.2f} s  '
                  f'(range {min(values):.2f}-{max(values):.2f}, {len(values)} runs)')


if __name__ == '__main__':
    main()
