"""The tools that come with pygrind, by --tool= name (imported only when chosen)."""

from __future__ import annotations

import importlib

from ..core.errors import UserError
from ..tool import Tool

#: --tool name -> "module:Class"
TOOLS: dict[str, str] = {
    "none": "pygrind.tools.none:NoneTool",
    "lackey": "pygrind.tools.lackey:Lackey",
}


def load_tool(name: str) -> type[Tool]:
    """The Tool class for --tool=name; a module path `pkg.mod:Class` loads a user's tool."""
    spec = TOOLS.get(name)
    if spec is None and ":" in name:
        spec = name
    if spec is None:
        raise UserError(f"failed to start tool '{name}': no such tool "
                        f"(choose from {', '.join(sorted(TOOLS))}, or give module:Class)")
    mod, _, cls = spec.partition(":")
    try:
        return getattr(importlib.import_module(mod), cls)
    except (ImportError, AttributeError) as e:
        raise UserError(f"failed to start tool '{name}': {e}") from None
