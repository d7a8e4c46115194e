"""Run the fake providers alone: `python -m tests.fakes [PORT]`, then start Parley with the printed environment."""

from __future__ import annotations

import sys
import time

from .server import running_fake_server

if __name__ == '__main__':
    with running_fake_server(int(sys.argv[1]) if len(sys.argv) > 1 else None) as server:
        for name, value in server.env.items():
            print(f'{name}={value}', flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
