"""Turn the run's results into the terminal table (with targets and pass/fail) and the JSON file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Result = dict[str, Any]


@dataclass(frozen=True)
class Figure:
    label: str
    value: Callable[[Result, Result], float | None]  # (app result, scenario's floor) -> value
    limit: float | None = None  # pass when value <= limit
    target: str = ''


def key(name: str) -> Callable[[Result, Result], float | None]:
    return lambda result, floor: result.get(name)


def per_floor(result: Result, floor: Result) -> float | None:
    return result['cpu_s'] / floor['cpu'] if floor.get('cpu') else None


def after_sdk(result: Result, floor: Result) -> float | None:
    """Last token visible after the moment a bare SDK loop finished parsing (the adapter's last event, estimated)."""
    if result.get('last_token_ms') is None or floor.get('lag_ms') is None:
        return None
    return result['last_token_ms'] - floor['lag_ms']


SINGLE = [
    Figure('wire bytes / answer char', key('bytes_per_char'), 3, '<= 3'),
    Figure('  same, echoed prompt excluded', key('bytes_per_char_answer'), 3, '<= 3'),
    Figure('  of which full resends of the text (bytes)', key('reset_bytes')),
    Figure('server CPU s', key('cpu_s')),
    Figure('  CPU / SDK floor', per_floor, 2, '<= 2x floor'),
    Figure('ws frames / s (mean)', key('frames_per_s')),  # the target is per second: the busiest 1 s, below
    Figure('ws frames in busiest 1 s', key('frames_max_1s'), 30, '<= 30'),
    Figure('last byte -> last token visible ms', key('last_token_ms'), 250, '<= 250'),
    Figure("  adapter's last event -> last token visible ms", key('last_event_ms'), 250, '<= 250'),
    Figure('  last byte + bare SDK parse lag -> visible ms', after_sdk),
    Figure('long tasks (> 50 ms)', key('longtasks'), 0, 'none'),
    Figure('  long task total ms', key('longtask_ms')),
    Figure('Send -> complete s', key('seconds')),
]
MULTI = [
    Figure('pages that finished', lambda r, f: r.get('pages_finished')),
    Figure('token delay p95 ms', key('token_delay_p95_ms'), 250, '<= 250'),
    Figure('  p50 ms', key('token_delay_p50_ms')),
    Figure('  max ms', key('token_delay_max_ms')),
    Figure('  fake -> browser receives, p95 ms', key('to_browser_p95_ms')),
    Figure('  received -> shown, p95 ms', key('in_browser_p95_ms')),
    Figure('disconnects + reloads', lambda r, f: r.get('disconnects', 0) + r.get('reloads', 0), 0, 'none'),
    Figure('server CPU s', key('cpu_s')),
    Figure('  CPU / SDK floor', per_floor, 2, '<= 2x floor'),
    Figure('  main thread on a CPU s', key('server_main_run_s')),
    Figure('  main thread runnable, waiting for a CPU s', key('server_cpu_wait_s')),
    Figure('  main thread got a CPU (times)', key('server_main_slices')),
    Figure('ws frames in busiest 1 s (worst page)', key('frames_max_1s'), 30, '<= 30'),
    Figure('long tasks (> 50 ms, all pages)', key('longtasks'), 0, 'none'),
    Figure('last byte -> last token visible ms (worst)', key('last_token_ms'), 250, '<= 250'),
]


def fmt(value: float | None) -> str:
    if value is None:
        return '-'
    if isinstance(value, int) or float(value).is_integer():
        return f'{int(value)}'
    return f'{value:.3g}' if abs(value) < 10 else f'{value:.1f}'


def verdict(value: float | None, limit: float | None) -> str:
    if limit is None or value is None:
        return ''
    return 'pass' if value <= limit else 'FAIL'


def check_rows(figures: tuple[Figure, ...], result: Result) -> list[list[str]]:
    """(figure, value, target, pass) of a check: scenarios with no baseline and no SDK floor."""
    rows = []
    for figure in figures:
        value = figure.value(result, {})
        rows.append([figure.label, fmt(value), figure.target, verdict(value, figure.limit)])
    return rows


def scenario_rows(name: str, entry: Result) -> list[list[str]]:
    if entry.get('kind') == 'check':
        load = f"load {entry['parley'].get('load_before')}-{entry['parley'].get('load_after')}"
        return [[name, label, value, load if i == 0 else '', '', target, verdict_]
                for i, (label, value, target, verdict_) in enumerate(entry['figures'])]
    parley, naive, floor = entry.get('parley', {}), entry.get('naive'), entry.get('floor', {})
    figures = MULTI if entry.get('pages', 1) > 1 else SINGLE
    if not parley.get('pages_finished'):
        base = 'not run' if naive is None else ('finished' if naive.get('finished') else
                                                f"did not finish after {naive.get('limit_s'):g} s")
        return [[name, 'answer complete', f"did not finish after {parley.get('limit_s'):g} s", base, '', '', 'FAIL']]
    rows = []
    for figure in figures:
        value = figure.value(parley, floor)
        if value is None and figure.limit is not None and 'excluded' in figure.label:
            continue
        if naive is None:
            base, ratio = 'not run', ''
        elif not naive.get('finished'):
            why = 'reloaded, ' if naive.get('reloads') else ''
            base, ratio = f"{why}did not finish after {naive.get('limit_s'):g} s", ''
        else:
            baseline = figure.value(naive, floor)
            base = fmt(baseline)
            ratio = f'{value / baseline:.3g}x' if value is not None and baseline else ''
        rows.append([name, figure.label, fmt(value), base, ratio, figure.target, verdict(value, figure.limit)])
    return rows


def cross_checks(results: Result) -> list[list[str]]:
    """Targets that compare scenarios: wire cost flat in length, CPU linear in length."""
    scenarios = results['scenarios']
    rows = []

    def parley(name: str, field: str) -> float | None:
        entry = scenarios.get(name, {}).get('parley', {})
        return entry.get(field) if entry.get('finished') else None

    short, long = parley('tokens-500', 'bytes_per_char'), parley('tokens-8000', 'bytes_per_char')
    if short and long:
        ratio = long / short
        rows.append(['tokens-500..8000', 'wire bytes/char, 8000 vs 500', f'{ratio:.3g}x', '', '', '<= 1.25x (flat)',
                     verdict(ratio, 1.25)])
    small, big = parley('tokens-2000', 'cpu_s'), parley('tokens-8000', 'cpu_s')
    if small and big:
        ratio = big / small
        rows.append(['tokens-2000..8000', 'server CPU, 8000 vs 2000', f'{ratio:.3g}x', '', '', '<= 4.5x',
                     verdict(ratio, 4.5)])
    return rows


def table(results: Result) -> str:
    header = ['scenario', 'figure', 'Parley', 'naive baseline', 'Parley/naive', 'target', 'pass']
    rows = [row for name, entry in results['scenarios'].items() for row in scenario_rows(name, entry)]
    rows += cross_checks(results)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return '| ' + ' | '.join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + ' |'

    rule = '|' + '|'.join('-' * (width + 2) for width in widths) + '|'
    floors = [f"  {name}: {floor['cpu']:.3f} s CPU, done parsing {floor['lag_ms']:.0f} ms after the last byte"
              for name, entry in results['scenarios'].items() if (floor := entry.get('floor', {})).get('cpu')]
    notes = ['', 'SDK floor (openai SDK reading the same stream, no UI):', *floors]
    failed = sum(row[-1] == 'FAIL' for row in rows)
    notes.append(f'{failed} figure(s) miss their target.' if failed else 'Every figure meets its target.')
    return '\n'.join([line(header), rule, *map(line, rows), *notes])


def write_json(results: Result, path: Path) -> None:
    checks = [{'scenarios': r[0], 'figure': r[1], 'value': r[2], 'target': r[5], 'pass': r[6]}
              for r in cross_checks(results)]
    results = {**results, 'checks': checks}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
