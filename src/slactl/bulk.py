"""``bulk()``: no cyclic garbage collection while many small records are made.

A period's read and evaluation make hundreds of thousands of small records (leads,
events, outcomes), none of them cyclic: the cyclic collector, triggered by their number,
would walk the growing heap again and again for nothing. The one place slactl pauses it;
a pause inside another leaves it to the outer one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
