"""Each lab's README shows the check's steps as they are (a renamed step must not leave a stale
or answer-giving name behind), ends with a short recap and the next lab, and the index in
labs/README.md gives each lab's difficulty, check duration and what it needs."""

from __future__ import annotations

import re

import pytest

from labs import catalog
from labs.session import LABS_DIR

LABS = list(catalog.all_labs().values())


def lab_id(lab) -> str:
    return f"lab{lab.number:02d}"


@pytest.mark.parametrize("lab", LABS, ids=lab_id)
def test_expected_output_lists_the_steps_of_the_check(lab):
    text = (lab.folder / "README.md").read_text()
    block = re.search(r"## Expected output\n\n```text\n(.*?)```", text, re.S)
    assert block, "README.md has an Expected output block"
    shown = re.findall(r"^  PASS  (.*)$", block[1], re.M)
    assert shown == [step.name for step in lab.steps]
    assert f"all {len(lab.steps)} steps pass" in block[1]


@pytest.mark.parametrize("lab", LABS, ids=lab_id)
def test_readme_ends_with_a_recap_and_what_is_next(lab):
    text = (lab.folder / "README.md").read_text()
    headings = re.findall(r"^## (.*)$", text, re.M)
    assert headings[-2:] == ["Recap", "Next"]
    following = catalog.all_labs().get(lab.number + 1)
    if following:
        assert f"../{following.slug}/README.md" in text.split("## Next", 1)[1]


@pytest.mark.parametrize("lab", LABS, ids=lab_id)
def test_index_row_says_what_the_lab_needs_and_takes(lab):
    index = (LABS_DIR / "README.md").read_text()
    row = next(line for line in index.splitlines() if f"]({lab.slug}/README.md)" in line)
    assert lab.difficulty in row
    assert lab.check_duration, "measured on the labs tier, written in lab.py"
    assert lab.check_duration in row
