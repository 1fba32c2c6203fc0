"""The tools that come with pygrind, by --tool= name (imported only when chosen)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from ..core.errors import UserError
from ..tool import Tool

#: --tool name -> "module:Class"
TOOLS: dict[str, str] = {
    "none": "pygrind.tools.none:NoneTool",
    "lackey": "pygrind.tools.lackey:Lackey",
    "memcheck": "pygrind.tools.memcheck:Memcheck",
}


def load_tool(name: str) -> type[Tool]:
    """The Tool class for --tool=name; a module path `pkg.mod:Class` loads a user's tool."""
    spec = TOOLS.get(name)
    if spec is None and ":" in name:
        spec = name
    if spec is None:
        raise UserError(f"failed to start tool '{name}': no such tool "
                        f"(choose from {', '.join(sorted(TOOLS))}, or give module:Class)")
    mod, _, cls = spec.rpartition(":")
    try:
        if mod.endswith(".py"):
            s = importlib.util.spec_from_file_location(f"pygrind_user_tool_{cls}", mod)
            if s is None or s.loader is None:
                raise ImportError(f"cannot load {mod}")
            module = importlib.util.module_from_spec(s)
            s.loader.exec_module(module)
        else:
            try:
                module = importlib.import_module(mod)
            except ModuleNotFoundError:
                # a user's tool module in the current directory, as `python -m` would find it
                sys.path.insert(0, os.getcwd())
                module = importlib.import_module(mod)
        tool = getattr(module, cls)
    except (ImportError, AttributeError, OSError, SyntaxError) as e:
        raise UserError(f"failed to start tool '{name}': {e}") from None
    if not (isinstance(tool, type) and issubclass(tool, Tool)):
        raise UserError(f"failed to start tool '{name}': {cls} is not a pygrind.tool.Tool")
    return tool
