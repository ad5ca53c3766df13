"""kindlab.core.process: a failed command is explained by its tail, and never shows a secret."""

from __future__ import annotations

import pytest

from kindlab.core import process

SECRET = "hunter2-registry-password"


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setattr(process, "_SECRETS", set())
    return process.mask_secret(SECRET)


def test_a_failure_names_the_command_and_its_last_lines():
    with pytest.raises(process.CommandError, match=r"(?s)exit 3\): sh -c .*\nlast words"):
        process.run(["sh", "-c", "echo first; echo last words; exit 3"])


def test_a_secret_in_the_argv_and_the_output_is_masked_in_the_failure(secret):
    with pytest.raises(process.CommandError) as failed:
        process.run(["sh", "-c", 'echo "login with $1"; exit 1', "sh", secret])
    message = str(failed.value)
    assert SECRET not in message
    assert "sh -c" in message and "login with ***" in message


def test_a_secret_is_masked_in_echoed_output_and_any_command_error(secret, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(process, "echo", shown.append)
    process.run(["echo", f"password={secret}"], quiet=False)
    assert shown == ["    password=***"]
    assert SECRET not in str(process.CommandError(f"kubectl create secret {secret} failed"))


def test_a_secret_fed_on_stdin_reaches_the_command(secret):
    assert process.run(["cat"], input_bytes=secret.encode()) == secret


def test_nothing_is_masked_unless_registered(monkeypatch):
    monkeypatch.setattr(process, "_SECRETS", set())
    assert process.redact(f"{SECRET} stays") == f"{SECRET} stays"
