"""Fail when a test run executed no browser test: used by `./parley test` in CI (CI=true)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def browser_tests_passed(path: str) -> int:
    """How many tests under tests/ui passed (neither skipped, failed nor errored)."""
    passed = 0
    for case in ET.parse(path).getroot().iter('testcase'):
        if not case.get('classname', '').startswith('tests.ui.'):
            continue
        if not any(child.tag in {'skipped', 'failure', 'error'} for child in case):
            passed += 1
    return passed


if __name__ == '__main__':
    count = browser_tests_passed(sys.argv[1])
    if count == 0:
        print('junit_check: no browser test ran: install Chromium (see README)', file=sys.stderr)
        sys.exit(1)
    print(f'junit_check: {count} browser tests passed')
