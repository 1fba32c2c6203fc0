"""Nulgrind: runs the client and adds no instrumentation (the baseline of every tool)."""

from __future__ import annotations

from ..tool import Tool


class NoneTool(Tool):
    name = "none"
    description = "Nulgrind, the minimal pygrind tool"

    def cache_key(self) -> str:
        return "none"
