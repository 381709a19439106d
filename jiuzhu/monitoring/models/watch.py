"""Models of the monitoring app's watch part."""

from __future__ import annotations
