"""Layer 1, the ground: errors, pinned versions, paths, terminal output, the command runner,
waiting, the build cache and trust. Imports nothing else of kindlab."""
