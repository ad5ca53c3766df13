"""API access to one cluster: typed clients, the dynamic client, and its pinned kubectl."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from kindlab.core.process import CommandError


@dataclass
class Kube:
    kubeconfig: Path
    kubectl_path: Path
    api: client.ApiClient

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api)

    @property
    def dynamic(self) -> DynamicClient:
        return DynamicClient(self.api)

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """kubectl against this cluster; failures carry kubectl's own message."""
        proc = subprocess.run(
            [str(self.kubectl_path), f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise CommandError(f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout


T = TypeVar("T")


def or_none(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """What the API call returns, or None when it answers 404: the object does not exist."""
    try:
        return call(*args, **kwargs)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def connect(kubeconfig: Path, kubectl_path: Path) -> Kube:
    api = config.new_client_from_config(config_file=str(kubeconfig))
    return Kube(kubeconfig=kubeconfig, kubectl_path=kubectl_path, api=api)
