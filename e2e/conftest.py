"""The e2e suite's fixtures live in e2e.fixtures, shared with the lab self-tests."""

from e2e.fixtures import *  # noqa: F403  (pytest collects fixtures and hooks from this module)
