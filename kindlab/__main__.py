"""`python -m kindlab`: the `kindlab` command, for a checkout where it is not installed."""

from kindlab.cli.main import main

raise SystemExit(main())
