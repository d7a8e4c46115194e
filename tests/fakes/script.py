"""What the fake providers answer, decided by directives in the last user message.

Every fake server (OpenAI, Anthropic, Gemini) plays the same `Script`, so one browser test can drive any provider.
Directives are `[[name]]` or `[[name=value]]` anywhere in the last user message:

- `[[tokens=N]]`      an answer of N deterministic tokens (markdown paragraphs, lists and a code block)
- `[[delay=MS]]`      milliseconds between tokens (default 0: full speed)
- `[[markdown]]`      a short answer with a heading, list, table and fenced code
- `[[html]]`          an answer full of hostile HTML and script
- `[[echo]]`          the message itself, directives removed
- `[[reasoning]]`     a few reasoning ("thinking") deltas before the text
- `[[status=CODE]]`   fail before streaming with that HTTP status (with `[[retry-after=S]]` on 429/503)
- `[[fail=KIND]]`     break mid-stream after `[[after=N]]` tokens (default 5); KIND is error, drop or malformed
- `[[stall=S]]`       after `[[after=N]]` tokens, go silent for S seconds
- `[[take]]`          the greeting starts "Take N: ", N counting the requests with this exact message (so an answer
                      written again differs from the one before)
- `[[flaky=N]]`       the first N requests (default 1) with this exact message fail with 503 (or the status
                      given by `[[status=CODE]]`), later ones answer normally
- `[[pathological=KIND]]` markdown built to hurt a renderer, in large tokens; KIND is `nested` (10 000 nested
                      list levels on one line), `table` (5 000 rows), `code` (a 1 MB python fence), `unclosed` (a fence
                      never closed, then more text) or `markers` (list markers with two spaces, a backtracking trap);
                      each ends with PATHOLOGICAL_END so a test can see the whole answer arrived
Without directives the answer is a short greeting that quotes the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIRECTIVE = re.compile(r'\[\[([a-z-]+)(?:=([^\]]*))?\]\]')

WORDS = ('alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo',
         'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor',
         'whiskey', 'xray', 'yankee', 'zulu')

MARKDOWN_SAMPLE = [
    '# Heading one\n\n', 'Some **bold** and *italic* text, ', 'with `inline code`.\n\n',
    '## A list\n\n', '- first item\n', '- second item\n', '- third item\n\n',
    '| Name | Value |\n', '| --- | --- |\n', '| a | 1 |\n', '| b | 2 |\n\n',
    '```python\n', 'def greet(name):\n', '    return f"hello {name}"\n', '```\n\n',
    'That is all.',
]

HTML_SAMPLE = [
    'Here is some HTML: ', '<script>window.__pwned = 1; alert(1)</script>', '\n\n',
    '<img src=x onerror="window.__pwned = 2">', '\n\n',
    '<a href="javascript:window.__pwned=3">click me</a>', '\n\n',
    '[a markdown link](javascript:window.__pwned=4)', '\n\n',
    '<svg onload="window.__pwned=5"><circle r="4"/></svg>', '\n\n',
    '<iframe src="javascript:window.__pwned=6"></iframe>', '\n\n',
    '<b onmouseover="window.__pwned=7">bold?</b> ', 'end of answer.',
]


PATHOLOGICAL_END = 'End of the pathological answer.'


def pathological(kind: str) -> list[str]:
    """The tokens of a `[[pathological=KIND]]` answer (see the module docstring)."""
    if kind == 'nested':
        text = '- ' * 10_000 + 'deepest item\n\n'
    elif kind == 'table':
        rows = ''.join(f'| row {i} | value {i * 7} | {WORDS[i % len(WORDS)]} |\n' for i in range(5_000))
        text = '| Row | Value | Word |\n| --- | ---: | :---: |\n' + rows + '\n'
    elif kind == 'code':
        lines: list[str] = []
        size = 0
        while size < 1_000_000:
            lines.append(f'def f_{len(lines)}(x):  # {WORDS[len(lines) % len(WORDS)]}\n    return x * {len(lines)}\n')
            size += len(lines[-1])
        text = '```python\n' + ''.join(lines) + '```\n\n'
    elif kind == 'unclosed':
        text = ('An unclosed fence follows.\n\n```js\nlet x = 1;\n\n# not a heading\n\n- not a list\n\n'
                + 'more text, still inside the fence\n' * 200 + '\n')
    elif kind == 'markers':
        text = '-  ' * 40 + 'x\n\n' + '1.  ' * 40 + '``\n\n'
    else:
        raise ValueError(f'unknown pathological kind {kind!r}')
    text += PATHOLOGICAL_END
    return [text[i:i + 16_384] for i in range(0, len(text), 16_384)]


# How often each [[flaky]] message was asked; process-wide on purpose (it is the fake's memory across requests).
_flaky_seen: dict[str, int] = {}
_takes: dict[str, int] = {}  # requests seen per message with [[take]]


@dataclass
class Script:
    """A fully decided answer: what to send, how fast, and how to fail."""

    tokens: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    delay: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    fail: str | None = None
    fail_after: int = 5
    stall: float = 0.0
    input_tokens: int = 0
    cached: int = 0  # more prompt tokens, read from the provider's cache ([[cached=N]]); each fake reports them its way
    cache_write: int = 0  # prompt tokens written to the cache ([[cache-write=N]]; Anthropic alone reports them)

    @property
    def text(self) -> str:
        """The answer exactly as a client that received every token would have it."""
        return ''.join(self.tokens)

    @property
    def sent_tokens(self) -> list[str]:
        """The tokens actually sent before a mid-stream failure."""
        return self.tokens[:self.fail_after] if self.fail else self.tokens


def long_answer(count: int) -> list[str]:
    """N tokens of readable markdown: paragraphs, a list every few hundred tokens and a code block."""
    tokens: list[str] = []
    for i in range(count):
        word = WORDS[i % len(WORDS)]
        if i % 300 == 150:
            tokens.append(f'\n\n- item {i}\n')
        elif i % 500 == 250:
            tokens.append(f'\n\n```python\nx_{i} = {i}\n```\n\n')
        elif i % 40 == 39:
            tokens.append(f'{word}.\n\n')
        else:
            tokens.append(f'{word} ')
    return tokens


def directives(message: str) -> dict[str, str]:
    """The `[[name=value]]` directives of a message, as a dict (flags map to '')."""
    return {name: value or '' for name, value in DIRECTIVE.findall(message)}


def strip_directives(message: str) -> str:
    return DIRECTIVE.sub('', message).strip()


def script_for(message: str, input_tokens: int = 0) -> Script:
    """Decide the whole answer for the last user message."""
    found = directives(message)
    script = Script(input_tokens=input_tokens)
    if 'tokens' in found:
        script.tokens = long_answer(int(found['tokens']))
    elif 'markdown' in found:
        script.tokens = list(MARKDOWN_SAMPLE)
    elif 'html' in found:
        script.tokens = list(HTML_SAMPLE)
    elif 'pathological' in found:
        script.tokens = pathological(found['pathological'])
    elif 'echo' in found:
        text = strip_directives(message)
        script.tokens = [text[i:i + 4] for i in range(0, len(text), 4)] or ['']
    else:
        quoted = strip_directives(message)[:200]
        script.tokens = ['Hello', '! ', 'You ', 'said: ', quoted]
        if 'take' in found:
            _takes[message] = _takes.get(message, 0) + 1
            script.tokens.insert(0, f'Take {_takes[message]}: ')
    if 'reasoning' in found:
        script.reasoning = ['Let me ', 'think ', 'about ', 'this.']
    script.delay = float(found.get('delay') or 0) / 1000
    if found.get('status'):
        script.status = int(found['status'])
    if 'flaky' in found:
        _flaky_seen[message] = _flaky_seen.get(message, 0) + 1
        failing = _flaky_seen[message] <= int(found['flaky'] or 1)
        script.status = (script.status or 503) if failing else None
    if found.get('retry-after'):
        script.retry_after = float(found['retry-after'])
    if 'fail' in found:
        script.fail = found['fail'] or 'error'
    if 'stall' in found:
        script.stall = float(found['stall'] or 5)
    if found.get('after'):
        script.fail_after = int(found['after'])
    script.cached = int(found.get('cached') or 0)
    script.cache_write = int(found.get('cache-write') or 0)
    return script
