"""The e2e suite's fixtures live in e2e.fixtures, registered for every tier in ../conftest.py."""
