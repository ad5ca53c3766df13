import math

import pytest

from app.faults import FaultError, Faults, FaultStore


def test_merge_changes_only_the_given_fields():
    faults = Faults().merged({"delay_seconds": 1, "ready": False})
    assert faults == Faults(delay_seconds=1.0, status_code=None, ready=False, hang_liveness=False)
    assert faults.merged({"status_code": 502}).delay_seconds == 1.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delay": 1}, "unknown fault"),
        ({"delay_seconds": "1"}, "delay_seconds must be a number"),
        ({"delay_seconds": True}, "delay_seconds must be a number"),
        ({"delay_seconds": math.inf}, "delay_seconds must be a number"),
        ({"delay_seconds": -0.5}, "within 0..300"),
        ({"delay_seconds": 301}, "within 0..300"),
        ({"status_code": 200}, "400..599"),
        ({"status_code": 600}, "400..599"),
        ({"status_code": "500"}, "400..599"),
        ({"status_code": True}, "400..599"),
        ({"ready": "false"}, "ready must be true or false"),
        ({"hang_liveness": 1}, "hang_liveness must be true or false"),
        ({"path": "data"}, "path must be null or an API path"),
        ({"path": "/data?x=1"}, "path must be null or an API path"),
        ({"path": 5}, "path must be null or an API path"),
    ],
)
def test_invalid_changes_are_refused(changes, message):
    with pytest.raises(FaultError, match=message):
        Faults().merged(changes)


def test_status_code_null_clears():
    assert Faults(status_code=500).merged({"status_code": None}).status_code is None


def test_store_is_shared_between_workers(tmp_path):
    worker_a, worker_b = FaultStore(tmp_path, Faults()), FaultStore(tmp_path, Faults())
    assert worker_b.current() == Faults()
    worker_a.update({"status_code": 503})
    assert worker_b.current().status_code == 503
    worker_b.update({"ready": False})
    assert worker_a.current() == Faults(status_code=503, ready=False)


def test_reset_returns_to_the_env_seed(tmp_path):
    seed = Faults(status_code=500)
    store = FaultStore(tmp_path, seed)
    store.update({"status_code": None, "delay_seconds": 2})
    assert store.current() == Faults(delay_seconds=2.0)
    assert store.reset() == seed
    assert store.current() == seed


def test_invalid_update_leaves_state_untouched(tmp_path):
    store = FaultStore(tmp_path, Faults())
    store.update({"delay_seconds": 1})
    with pytest.raises(FaultError):
        store.update({"delay_seconds": 2, "ready": "yes"})
    assert store.current().delay_seconds == 1.0
