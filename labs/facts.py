"""What labctl saw the cluster record, kept beside the learner's workspace.

Some facts a check needs do not last: Events expire after an hour, and a fixed Deployment's new
pods no longer carry the last state of the ones that were OOM-killed. Whenever labctl sees such
a fact (at `start`, or during a check), it writes it here, so a learner who checks later is
judged on what really happened, not on constants. The file is labs/work/.facts/NN-name.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labs.framework import Lab
from labs.session import Session


def path(session: Session, lab: Lab) -> Path:
    return session.workdir / ".facts" / f"{lab.slug}.json"


def read(session: Session, lab: Lab) -> dict[str, Any]:
    try:
        found = json.loads(path(session, lab).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def record(session: Session, lab: Lab, **facts: Any) -> None:
    target = path(session, lab)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(read(session, lab) | facts, indent=2, sort_keys=True) + "\n")


def forget(session: Session, lab: Lab) -> None:
    path(session, lab).unlink(missing_ok=True)
