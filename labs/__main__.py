"""`python -m labs ...` is `labctl ...`."""

from labs.cli import main

raise SystemExit(main())
