"""Rate strings such as "600/min" (no Django imports: the settings module parses them at start)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RATE = re.compile(r"^(\d+)/(\d*)(s|sec|m|min|h|hour|d|day)$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        m = _RATE.match(text.strip())
        if not m or int(m.group(1)) < 1:
            raise ValueError(f"invalid rate {text!r}: use N/s, N/min, N/hour or N/day (e.g. 600/min)")
        return cls(int(m.group(1)), int(m.group(2) or 1) * _UNITS[m.group(3)])
