"""The core: address space, loader, guest state, translation, dispatch, syscalls."""
