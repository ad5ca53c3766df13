"""The soak's own arithmetic and its refusal of unbounded runs (the run itself needs a cluster)."""

import pytest

from kindlab.cli.main import main as kindlab
from kindlab.load import soak


def test_memory_growth_per_pod_present_at_both_ends():
    mib = soak.MIB
    growth = soak.memory_growth({"a": 100 * mib, "gone": mib}, {"a": 110 * mib, "new": mib})
    assert growth == {"a": {"start_mib": 100.0, "end_mib": 110.0, "growth_percent": 10.0}}


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--minutes", "0"], "--minutes must be"), (["--rate", "5000"], "--rate must be")],
)
def test_unbounded_runs_are_refused_with_a_clear_message(args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        kindlab(["soak", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
