import os


def test_version_names_release_pod_and_start(client):
    reply = client.get("/version")
    assert reply.status_code == 200
    assert reply.json == {
        "version": "1.2.3",
        "pod": "pod-a",
        "started_at": "2026-01-01T00:00:00+00:00",
        "worker_pid": os.getpid(),
    }
