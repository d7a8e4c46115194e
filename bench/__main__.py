"""`python -m bench` (or `./parley bench`): stream answers through Parley and a naive NiceGUI baseline, measure both.

    python -m bench                      every scenario (about 8 minutes on 2 cores)
    python -m bench --quick              500 and 2000 tokens at full speed, baseline included (about a minute)
    python -m bench --scenario streams-20 --no-baseline
    python -m bench --scenario typing    (also history200, open500, history10k, memory: see bench/README.md)
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM_ARGS, chromium_executable
from tests.fakes.server import running_fake_server

from . import report
from .checks import Check, Run, load_average
from .long_history import HISTORY10K, HISTORY200, OPEN500
from .measure import sdk_floor, token_send_times
from .memory import CHECK as MEMORY
from .scenarios import SCENARIOS, run_app
from .typing_lag import CHECK as TYPING

CHECKS: list[Check] = [TYPING, HISTORY200, OPEN500, HISTORY10K, MEMORY]

RESULTS = Path(__file__).resolve().parent / 'results' / 'latest.json'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='a subset that runs in under two minutes')
    parser.add_argument('--scenario', action='append', choices=[s.name for s in [*SCENARIOS, *CHECKS]],
                        help='run only this scenario (repeatable)')
    parser.add_argument('--json', type=Path, default=RESULTS, help=f'where to write the results (default {RESULTS})')
    parser.add_argument('--no-baseline', dest='baseline', action='store_false', help='skip the naive baseline')
    parser.add_argument('--baseline-limit', type=float, help='seconds the naive baseline gets per scenario '
                        '(default 40 with --quick, else 60)')
    parser.add_argument('--frames', action='store_true', help='keep every frame (time, size, start) in the JSON')
    parser.add_argument('--limit', type=float, default=120, help='seconds Parley gets per scenario (default 120)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [s for s in SCENARIOS if (s.name in args.scenario if args.scenario else not args.quick or s.quick)]
    checks = [c for c in CHECKS if (c.name in args.scenario if args.scenario else not args.quick or c.quick)]
    baseline_limit = args.baseline_limit or (40 if args.quick else 60)
    results: dict[str, Any] = {'meta': {'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'quick': args.quick,
                                        'machine': f'{platform.machine()}, {platform.python_version()}',
                                        'baseline_limit_s': baseline_limit}, 'scenarios': {}}
    began = time.monotonic()
    with token_send_times() as sent_times, running_fake_server() as fake, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
        for scenario in chosen:
            print(f'[{time.monotonic() - began:5.0f} s] {scenario.name}: {scenario.description}', file=sys.stderr)
            entry: dict[str, Any] = {'description': scenario.description, 'pages': scenario.pages,
                                     'load_before': load_average()}
            entry['floor'] = sdk_floor(f'{fake.url}/openai/v1', list(scenario.prompts), fake.recorder.last_byte)
            entry['parley'] = run_app(browser, 'parley', scenario, fake, sent_times, args.limit, args.frames)
            if args.baseline:
                entry['naive'] = run_app(browser, 'naive', scenario, fake, sent_times, baseline_limit, args.frames)
            entry['load_after'] = load_average()
            results['scenarios'][scenario.name] = entry
            report.write_json(results, args.json)  # after each scenario: a crash keeps what was measured
        for check in checks:
            print(f'[{time.monotonic() - began:5.0f} s] {check.name}: {check.description}', file=sys.stderr)
            result = check.run(Run(browser, fake, args.quick))
            results['scenarios'][check.name] = {'description': check.description, 'kind': 'check', 'parley': result,
                                                'figures': report.check_rows(check.figures, result)}
            report.write_json(results, args.json)
        browser.close()
    results['meta']['seconds'] = round(time.monotonic() - began, 1)
    report.write_json(results, args.json)
    print(report.table(results))
    print(f'\n{len(chosen) + len(checks)} scenario(s) in {results["meta"]["seconds"]:.0f} s; results in {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
