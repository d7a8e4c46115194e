"""The CPU floor: the openai SDK reading the same streams with no UI, in a process of its own.

    python -m bench.sdk_floor BASE_URL < messages.json   prints {"cpu": seconds, "chars": n, "ended_at": monotonic}

All messages stream concurrently (one for a single-page scenario, twenty for the concurrency one). A warm-up
request first, so imports and connection setup are not counted; `time.process_time` covers every thread.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from openai import AsyncOpenAI

MODEL = 'gpt-4o-mini'


async def consume(client: AsyncOpenAI, message: str) -> str:
    """Read one streamed answer the way an app would: concatenate the text deltas."""
    text = ''
    stream = await client.chat.completions.create(
        model=MODEL, messages=[{'role': 'user', 'content': message}], stream=True,
        stream_options={'include_usage': True})
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
    return text


async def main(base_url: str, messages: list[str]) -> dict[str, float]:
    client = AsyncOpenAI(base_url=base_url, api_key='test-key')
    await consume(client, 'warm up [[tokens=20]]')
    start = time.process_time()
    texts = await asyncio.gather(*(consume(client, message) for message in messages))
    # ended_at is on the machine-wide monotonic clock: compared with the fake's last byte, it is how long the SDK
    # itself needs to parse what the fake wrote (a floor under "last byte -> last token visible").
    return {'cpu': time.process_time() - start, 'chars': sum(len(text) for text in texts), 'ended_at': time.monotonic()}


if __name__ == '__main__':
    print(json.dumps(asyncio.run(main(sys.argv[1], json.load(sys.stdin)))))
