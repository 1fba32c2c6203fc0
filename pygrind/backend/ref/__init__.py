"""The reference backend: VEX IR to Python source."""
