"""Start-up registrations of the monitoring app's watch part (navigation, audit actions, parameters, chain
sources, jobs)."""

from __future__ import annotations


def setup() -> None:
    pass
