"""The debootstrapped base: tiers that start together make it once."""

import time
from concurrent.futures import ThreadPoolExecutor

from kindlab.build.airgap import debian


def test_tiers_asking_at_once_debootstrap_once(monkeypatch, tmp_path):
    """smoke, distro and jobimages ask for it in the same second of a cold `tox -m ci -p`."""
    monkeypatch.setenv("KINDLAB_CACHE", str(tmp_path))
    built = []

    def debootstrap(suite, ref, key):
        time.sleep(0.3)
        built.append(suite)

    monkeypatch.setattr(debian, "is_current", lambda ref, key: bool(built))
    monkeypatch.setattr(debian, "_debootstrap", debootstrap)
    with ThreadPoolExecutor(3) as pool:
        refs = list(pool.map(lambda _: debian.debian_image("bookworm"), range(3)))
    assert refs == ["kindlab/debian:bookworm"] * 3
    assert built == ["bookworm"]
