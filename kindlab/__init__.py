"""kindlab's tooling, in layers that import only downwards (README: the package map;
pyproject.toml: the import-linter contract)."""
