"""labctl as a learner runs it, in a subprocess: shared by the unit and the labs tier's tests.

Each test gets its own workspace and progress file through KINDLAB_LABS_WORKDIR and
KINDLAB_LABS_STATE, so nothing here touches a learner's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kindlab.cluster.identity import default_cluster_name
from kindlab.core.paths import REPO_ROOT
from labs import catalog

ESCAPE = "\033["
ABSENT_CLUSTER = "kindlab-labs-absent"
LAB4 = catalog.get(4)
LAB4_FIRST_FAILURE = "Service selector matches the app pods' labels"


def labctl(home: Path, *args: str, cluster: str | None = None, **env: str):
    """`python -m labs ARGS` with no terminal attached (stdin, stdout and stderr are pipes),
    on the tier's own cluster unless told (the labs tier runs on kindlab-labs beside e2e)."""
    environ = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}} | {
        "KINDLAB_LABS_WORKDIR": str(home / "work"),
        "KINDLAB_LABS_STATE": str(home / "progress.json"),
        "KINDLAB_CLUSTER_NAME": cluster or default_cluster_name(),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "labs", *args],
        cwd=REPO_ROOT,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
