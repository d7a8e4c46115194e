"""What an answer cost: its tokens priced with genai-prices' bundled price list (offline; no lookup at run time).

A price is an estimate from published list prices, taken when the answer ends and stored with it; an answer from a
model or server the list does not know (a local Ollama, say) has tokens but no price, never a made-up one.
"""

from __future__ import annotations

import logging
from typing import Any

import genai_prices
from genai_prices import data_snapshot

from providers.base import Usage

log = logging.getLogger(__name__)

# Read at start-up (about 40 ms), not on the event loop when the first answer ends.
data_snapshot.get_snapshot()


def cost_of(provider: Any, model: str, usage: Usage | None) -> float | None:
    """US dollars for `usage` of `model` at `provider` (its `prices_as` says how genai-prices knows it), or None."""
    prices_as = getattr(provider, 'prices_as', None)
    if not prices_as or usage is None or usage.input_tokens is None or usage.output_tokens is None:
        return None
    try:
        tokens = genai_prices.Usage(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                                    cache_read_tokens=usage.cached_tokens, cache_write_tokens=usage.cache_write_tokens)
        price = genai_prices.calc_price(tokens, model, **prices_as)
    except LookupError:
        return None
    except Exception:  # a price is a courtesy: odd counts or a fault in the list must never fail the answer
        log.warning('no price for %s (%s)', model, prices_as, exc_info=True)
        return None
    return float(price.total_price)

