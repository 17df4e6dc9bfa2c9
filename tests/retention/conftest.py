"""Retention's tests each get a canary county of their own, per dialect (`canary_copy`):
disposal changes the store, so the module-scoped `canary` of tests.canary (read-only by
contract) cannot be shared."""

from __future__ import annotations

from tests.canary import canary_copy, canary_model

__all__ = ["canary_copy", "canary_model"]
