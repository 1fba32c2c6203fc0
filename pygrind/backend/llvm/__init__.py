"""The JIT backend: VEX IR to LLVM IR to native code (llvmlite)."""
