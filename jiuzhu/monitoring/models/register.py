"""Models of the monitoring app's register part."""

from __future__ import annotations
