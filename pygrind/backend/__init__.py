"""Backends: the meaning of VEX ops, and the code generators that run IR."""
