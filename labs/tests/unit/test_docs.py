"""Every command the labs print exists: each module a `python -m` or `from X import Y` names,
each tox env, each labctl verb and lab number, each file or folder of the repository a command
names (a learner's `labs/work/NN-name/...` is the lab's start file of that name), and no command
needs public DNS (the labs promise offline use: `curl -H 'Host: app.localtest.me'
http://127.0.0.1:8080/...`). Static: no cluster; the labs tier runs them."""

from __future__ import annotations

import re
import shlex

import pytest

from kindlab.core.paths import REPO_ROOT
from kindlab.testing import doccheck
from labs import catalog, docs

COMMANDS_IN_DOCS = [c for d in docs.all_documents() for c in docs.commands(d)]
VOCABULARY = docs.vocabulary()


def words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def missing_workspace_paths(text: str) -> list[str]:
    """`labs/work/NN-name/...`: the lab's folder exists and has that start file (other paths
    into the repository are doccheck's to check)."""
    wrong = []
    for raw in words(text):
        word = raw.rstrip(".,;:)'\"").split("=", 1)[-1]
        work = re.match(r"labs/work/(\d{2}-[a-z0-9-]+)/?(.*)$", word)
        if not work or any(c in word for c in "<>*$"):
            continue
        folder, rest = REPO_ROOT / "labs" / work[1], work[2].rstrip("/")
        found = folder.is_dir() and (
            not rest or (folder / "start" / rest).exists() or rest == ".gitlab-ci.yml"
        )
        if not found:
            wrong.append(word)
    return wrong


@pytest.mark.parametrize("command", COMMANDS_IN_DOCS, ids=lambda c: c.where)
def test_every_command_in_the_labs_docs_names_what_exists(command):
    text = " ".join(words(command.text))  # without its comment
    problems = doccheck.text_problems(command.text, VOCABULARY)
    problems += [f"no file {p}" for p in missing_workspace_paths(text)]
    for number in re.findall(r"labctl \w+ (\d+)", text):
        if int(number) not in catalog.all_labs():
            problems.append(f"no lab {number}")
    if re.search(r"https?://[\w.-]*localtest\.me", text):
        problems.append("needs public DNS: use -H 'Host: app.localtest.me' http://127.0.0.1:8080")
    assert not problems, f"{command.where}: {command.text}\n" + "\n".join(problems)


def test_the_checker_catches_what_issue_22_found():
    """The negative control: the broken lines the labs once printed are caught."""
    removed = "python -c 'from kindlab.cluster.stack import build_app_image'"
    assert doccheck.module_problems(removed) == ["kindlab.cluster.stack"]
    assert missing_workspace_paths("kubectl apply -k labs/work/03-probes/nothing.yaml")
    assert not missing_workspace_paths("kubectl apply -k labs/work/03-probes")
    assert doccheck.text_problems("tox -e absent && labctl chek 3", VOCABULARY) == [
        "`tox -e absent`: no such environment in tox.ini",
        "`labctl chek`: no such verb (" + ", ".join(sorted(VOCABULARY.labctl_verbs)) + ")",
    ]


def test_every_lab_readme_has_runnable_commands():
    for lab in catalog.all_labs().values():
        runnable = [
            c for d in docs.lab_documents(lab.folder) for c in docs.commands(d) if c.runnable
        ]
        assert runnable, f"labs/{lab.slug} shows no ```sh block"


def never_run(commands: list[docs.Command]) -> list[docs.Command]:
    """Commands of a ```sh norun block: shown to a learner, run by nobody (a watch block runs
    for a few seconds; a <placeholder> or labctl's own verbs are the only other exceptions)."""
    return [c for c in commands if c.fenced and not c.runnable and not c.watch]


def test_every_fenced_command_of_the_labs_is_run_by_the_labs_tier():
    assert [c.where for c in never_run(COMMANDS_IN_DOCS)] == []


def test_a_norun_block_in_a_lab_is_caught(tmp_path):
    page = tmp_path / "hints.md"
    page.write_text("```sh norun\nkubectl -n kindlab rollout undo deployment/kindlab-app\n```\n")
    assert [(c.source, c.line) for c in never_run(docs.commands(page))] == [(page, 2)]
