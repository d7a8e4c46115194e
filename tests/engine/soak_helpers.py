"""The soak test's plan (seeded exchanges with faults mixed in) and its audit of what storage holds afterwards."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, text

from storage.database import check_integrity
from storage.models import Message, MessageStatus
from storage.repository import Repository
from tests.fakes.script import WORDS, directives, script_for

MODELS = ('openai/gpt-4o-mini', 'anthropic/claude-sonnet-5-5', 'google/gemini-2.5-flash')
FAULT_RATE = 0.10
FAULTS = ('transient', 'permanent', 'midstream', 'stall', 'stop')
FINAL = {MessageStatus.COMPLETE, MessageStatus.ERROR, MessageStatus.STOPPED, MessageStatus.INTERRUPTED}
FLAKY = re.compile(r'\[\[flaky(?:=[^\]]*)?\]\]')


@dataclass(frozen=True)
class Exchange:
    """One user message, the model asked, and the fault its directives inject (None: a plain answer)."""

    text: str
    model: str
    fault: str | None = None
    kind: str = 'none'                # the fault in detail, for the summary: 'midstream-drop', 'permanent-401', ...
    stop_after: float | None = None   # seconds after sending that the user presses Stop

    @property
    def provider(self) -> str:
        return self.model.split('/', 1)[0]


def turn_seen(exchanges: list[Exchange], answers: list[Message], index: int) -> str:
    """The last user turn the provider received for exchanges[index], which the fake reads its directives from.

    An answer that ended empty (a refused request, Stop before the first token) is left out of the history, so two
    user turns meet; Anthropic's adapter merges them into one, as its API wants turns alternating.
    """
    if exchanges[index].provider != 'anthropic':
        return exchanges[index].text
    first = index
    while first > 0 and not answers[first - 1].content.strip():
        first -= 1
    return '\n\n'.join(exchange.text for exchange in exchanges[first:index + 1])


def expected_answer(turn: str) -> tuple[str, str]:
    """The whole answer the fake plays for `turn`, and the status it should end with unless the user stops it.

    script_for counts [[flaky]] requests, so it only ever sees the turn without that directive; once the flaky
    failures are retried away, the answer is what the rest of the turn asks for.
    """
    script = script_for(FLAKY.sub('', turn))
    if 'flaky' not in directives(turn) and (script.status or script.fail or script.stall):
        return script.text, MessageStatus.ERROR
    return script.text, MessageStatus.COMPLETE


def plan_exchange(rng: random.Random, label: str) -> Exchange:
    """A unique message (so [[flaky]] counts start at zero) with a fault at FAULT_RATE."""
    words = ' '.join(rng.choices(WORDS, k=rng.randint(1, 6)))
    text = f'{label}: {words}'
    model = rng.choice(MODELS)
    fault = rng.choice(FAULTS) if rng.random() < FAULT_RATE else None
    tokens, delay = rng.randint(5, 40), rng.randint(0, 2)
    answer = f'[[tokens={tokens}]] [[delay={delay}]]'
    if fault is None:
        return Exchange(f'{text} {answer}' if rng.random() < 0.8 else text, model)
    if fault == 'transient':  # 429 carries Retry-After on all three providers (503 would back off for seconds)
        flaky = rng.randint(1, 2)
        return Exchange(f'{text} [[flaky={flaky}]] [[status=429]] [[retry-after=0.05]]', model, fault,
                        f'transient-x{flaky}')
    if fault == 'permanent':
        status = rng.choice((400, 401))
        return Exchange(f'{text} {answer} [[status={status}]]', model, fault, f'permanent-{status}')
    if fault == 'midstream':
        how = rng.choice(('drop', 'error', 'malformed'))
        return Exchange(f'{text} {answer} [[fail={how}]] [[after={rng.randint(1, tokens - 1)}]]', model, fault,
                        f'midstream-{how}')
    if fault == 'stall':  # after >= 1: a stall before any text would be retried as a transient failure
        return Exchange(f'{text} [[tokens={tokens}]] [[stall=4]] [[after={rng.randint(1, tokens - 1)}]]', model,
                        fault, 'stall')
    # 1-3 s, so Stop (within 0.9 s) always comes first, sometimes while one of the 0.5 s saves is writing
    slow = f'[[tokens={rng.randint(100, 200)}]] [[delay={rng.randint(10, 15)}]]'
    return Exchange(f'{text} {slow}', model, fault, 'stop', stop_after=rng.uniform(0.02, 0.9))


def plan(seed: int, tag: str, conversations: int, exchanges: int) -> list[list[Exchange]]:
    rng = random.Random(seed)
    return [[plan_exchange(rng, f'{tag} c{c} m{m}') for m in range(exchanges)] for c in range(conversations)]


def answer_problems(answer: Message, exchange: Exchange, turn: str) -> list[str]:
    """What is wrong with one stored answer, given the exchange that asked for it and the turn the provider saw."""
    problems: list[str] = []
    expected, natural = expected_answer(turn)
    content, status, error = answer.content, answer.status, answer.error or ''
    # Stop may land after a quick failure; on an answer that would complete it always lands first (1 s or more).
    wanted = {natural} if exchange.fault != 'stop' else {MessageStatus.STOPPED} | ({natural} - {MessageStatus.COMPLETE})
    if status not in wanted:
        problems.append(f'status {status!r} where {"/".join(sorted(wanted))} was expected (error: {error!r})')
    if status not in FINAL:
        problems.append(f'status {status!r} is not final')
    if expected and content.count(expected) > 1:
        problems.append('the answer is doubled')
    if status == MessageStatus.COMPLETE and content != expected:
        problems.append(f'complete but the content differs: {content[:80]!r}... vs {expected[:80]!r}...')
    if status != MessageStatus.COMPLETE and not expected.startswith(content):
        problems.append(f'{status} content is not a prefix of the answer: {content[:80]!r}')
    if status == MessageStatus.ERROR:
        if not error.startswith(f'{exchange.provider}: ') or 'Traceback' in error:
            problems.append(f'error not in plain words: {error!r}')
        if content == expected:
            problems.append('a failed answer holds the whole text')
        script = script_for(FLAKY.sub('', turn))
        if script.status and content:
            problems.append('a refused request left text behind')
        if script.stall and not script.status and not script.fail and 'no data for' not in error:
            problems.append(f'a stall reported as {error!r}')
    elif error:
        problems.append(f'{status} with an error: {error!r}')
    return [f'{exchange.text!r} ({exchange.model}): {problem}' for problem in problems]


def conversation_problems(messages: list[Message], exchanges: list[Exchange]) -> list[str]:
    """Every sent message stored once and in order, each followed by exactly one answer that is right for it."""
    sent = [exchange.text for exchange in exchanges]
    if [m.role for m in messages] != ['user', 'assistant'] * len(exchanges):
        return [f'{sent[0]!r}...: roles are {[m.role for m in messages]}']
    if [m.seq for m in messages] != list(range(1, 2 * len(exchanges) + 1)):
        return [f'{sent[0]!r}...: seqs are {[m.seq for m in messages]}']
    problems = []
    questions, answers = messages[::2], messages[1::2]
    if [m.content for m in questions] != sent:
        problems.append(f'{sent[0]!r}...: user messages stored as {[m.content for m in questions]}')
    for index, (question, answer, exchange) in enumerate(zip(questions, answers, exchanges, strict=True)):
        if answer.parent_id != question.id:
            problems.append(f'{exchange.text!r}: the answer is not linked to its question')
        if (answer.provider, answer.model) != tuple(exchange.model.split('/', 1)):
            problems.append(f'{exchange.text!r}: answered by {answer.provider}/{answer.model}')
        problems += answer_problems(answer, exchange, turn_seen(exchanges, answers, index))
    return problems


DUPLICATES = {
    'duplicate message ids': 'SELECT id FROM message GROUP BY id HAVING COUNT(*) > 1',
    'duplicate seq': 'SELECT conversation_id, seq FROM message GROUP BY conversation_id, seq HAVING COUNT(*) > 1',
    'duplicate user messages': "SELECT content FROM message WHERE role = 'user' GROUP BY content HAVING COUNT(*) > 1",
    'answers still streaming': "SELECT id FROM message WHERE status = 'streaming'",
    'answers without their question': "SELECT a.id FROM message a LEFT JOIN message u ON u.id = a.parent_id "
                                      "WHERE a.role = 'assistant' AND (u.id IS NULL OR u.seq != a.seq - 1)",
}


def audit(repository: Repository, database: Engine, planned: dict[str, list[Exchange]]) -> tuple[list[str], Counter]:
    """Read everything back (through the repository and with raw SQL); returns the problems and the status counts."""
    problems: list[str] = []
    stored = repository.list_conversations(limit=10 * len(planned) + 10)
    if {c.id for c in stored} != set(planned):
        problems.append(f'{len(stored)} conversations stored, {len(planned)} created')
    statuses: Counter[str] = Counter()
    for conversation_id, exchanges in planned.items():
        messages = repository.get_messages(conversation_id)
        statuses.update(m.status for m in messages if m.role == 'assistant')
        problems += conversation_problems(messages, exchanges)
    with database.connect() as connection:
        for what, query in DUPLICATES.items():
            if rows := connection.execute(text(query)).all():
                problems.append(f'{what}: {rows[:5]}')
        total = connection.execute(text('SELECT COUNT(*) FROM message')).scalar_one()
    expected_total = 2 * sum(len(exchanges) for exchanges in planned.values())
    if total != expected_total:
        problems.append(f'{total} messages stored, {expected_total} expected')
    if not check_integrity(database):
        problems.append('the database fails its integrity check')
    return problems, statuses
