"""`python -m kindlab.pipeline` (tox -e pipeline): the merge-request pipeline, run for real.

gitlab-ci-local runs `.gitlab-ci.yml` as written with what a GitLab runner would provide (see
kindlab.pipeline.runner). Each job's status and time go to reports/pipeline.json.

Options not listed below go to gitlab-ci-local: job names to run only those, or
`--variable E2E_SELECT='...'` to run a subset of the e2e suite.
"""

from __future__ import annotations

import argparse

from kindlab.download import airgap_setting
from kindlab.errors import KindlabError
from kindlab.pipeline.runner import run_pipeline
from kindlab.progress import say
from kindlab.versions import REPO_ROOT

REPORT = REPO_ROOT / "reports" / "pipeline.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kindlab.pipeline", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", action="store_true", default=None, help="force air-gapped mode")
    mode.add_argument("--online", dest="airgap", action="store_false", help="force online mode")
    args, extra = parser.parse_known_args(argv)
    airgap = args.airgap if args.airgap is not None else airgap_setting()
    try:
        result = run_pipeline(extra, airgap)
    except KindlabError as exc:
        say(f"the pipeline could not run: {exc}")
        return 1
    say(f"{result.summary()}; report: {result.write_report(REPORT).relative_to(REPO_ROOT)}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
