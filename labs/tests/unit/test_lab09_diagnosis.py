"""Lab 9 judges the learner's diagnosis against the stop the start state recorded, on plain data."""

from __future__ import annotations

import importlib

from labs import catalog

catalog.get(9)
# The catalog loads labs/09-resources/lab.py (a folder name Python cannot import) as labs.lab09.
LAB_MODULE = importlib.import_module("labs.lab09")
OOM = {"last_termination_reason": "OOMKilled", "exit_code": "137"}
LIVENESS = {"last_termination_reason": "Error", "exit_code": "143"}


def test_a_later_stop_of_another_cause_does_not_change_the_answer():
    assert LAB_MODULE.termination_to_diagnose(OOM, LIVENESS) == OOM


def test_without_a_kept_stop_the_pods_record_is_the_answer():
    assert LAB_MODULE.termination_to_diagnose({}, OOM) == OOM
    assert LAB_MODULE.termination_to_diagnose({}, {}) == {}


def test_the_kept_record_answers_only_what_the_diagnosis_asks():
    assert LAB_MODULE.termination_to_diagnose(OOM | {"pod": "kindlab-app-x"}, {}) == OOM
