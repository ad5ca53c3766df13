"""`kindlab plan FILE`: the jobs GitLab would create from a .gitlab-ci.yml, per pipeline."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from kindlab.pipeline.plan import (
    MERGE_REQUEST,
    PIPELINES,
    PipelineRejected,
    expanded_config,
    listed_jobs,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab plan", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="a .gitlab-ci.yml")
    parser.add_argument("--pipeline", choices=PIPELINES, help="only this kind of pipeline")
    parser.add_argument("--job", help="print this job as GitLab sees it (extends merged)")
    args = parser.parse_args(argv)
    try:
        if args.job:
            config = expanded_config(args.file, MERGE_REQUEST)
            print(yaml.safe_dump({args.job: config.get(args.job)}, sort_keys=False), end="")
            return 0
        for kind in [args.pipeline] if args.pipeline else PIPELINES:
            jobs = listed_jobs(args.file, PIPELINES[kind], validate=kind == "merge-request")
            print(f"{kind} pipeline:")
            for name, job in jobs.items():
                when = "not created" if job["when"] == "never" else job["when"]
                print(f"  {name:<12} stage {job['stage']:<8} {when}")
    except PipelineRejected as exc:
        print(f"gitlab-ci-local rejects {args.file}: {exc}")
        return 1
    return 0
