"""Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), evaluated on rendered manifests.

Our hosts cannot enforce policies (no nftables queue in the kernel), so the lint tier proves
them by evaluation instead: `allowed(policies, source, destination, port)` answers as the API
documents it. A connection needs both ends to agree: the source pod's egress and the
destination pod's ingress. A pod that no policy of a direction selects is open in that
direction; once one selects it, only what some rule of those policies allows gets through.
Within a rule, peers and ports are each a union; in a peer, namespaceSelector and podSelector
together mean both; ipBlock matches addresses, pod addresses included.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: Mapping[str, str]
    ip: str
    # Container port name -> number: what a named port in a policy resolves to.
    ports: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outside:
    """An address outside the pod network: a node, the API server, the host, the internet."""

    name: str
    ip: str


Endpoint = Pod | Outside


@dataclass(frozen=True)
class Cluster:
    policies: tuple[Obj, ...]
    # Namespace name -> its labels (kubernetes.io/metadata.name is always set).
    namespaces: Mapping[str, Mapping[str, str]]

    def allowed(self, source: Endpoint, destination: Endpoint, port: int, protocol="TCP") -> bool:
        """Would a connection from `source` to `destination`:`port` get through?"""
        return self._egress_allows(source, destination, port, protocol) and self._ingress_allows(
            source, destination, port, protocol
        )

    def _selecting(self, pod: Pod, direction: str) -> list[Obj]:
        return [
            policy
            for policy in self.policies
            if policy["metadata"].get("namespace") == pod.namespace
            and direction in policy_types(policy)
            and selects(policy["spec"].get("podSelector") or {}, pod.labels)
        ]

    def _egress_allows(self, source: Endpoint, dest: Endpoint, port: int, protocol: str) -> bool:
        return self._admits(source, "Egress", "to", dest, dest, port, protocol)

    def _ingress_allows(self, source: Endpoint, dest: Endpoint, port: int, protocol: str) -> bool:
        return self._admits(dest, "Ingress", "from", source, dest, port, protocol)

    def _admits(
        self, pod: Endpoint, direction: str, peers: str, other: Endpoint, dest: Endpoint,
        port: int, protocol: str,
    ) -> bool:  # fmt: skip
        """Does `pod`'s side of a connection with `other` let it through in `direction`?"""
        if not isinstance(pod, Pod):
            return True
        policies = self._selecting(pod, direction)
        return not policies or any(
            self._peers_match(rule.get(peers), policy, other)
            and ports_match(rule.get("ports"), dest, port, protocol)
            for policy in policies
            for rule in policy["spec"].get(direction.lower()) or []
        )

    def _peers_match(self, peers: list[Obj] | None, policy: Obj, other: Endpoint) -> bool:
        """An absent or empty `from`/`to` admits everyone; otherwise any one peer must match."""
        if not peers:
            return True
        return any(self._peer_matches(peer, policy, other) for peer in peers)

    def _peer_matches(self, peer: Obj, policy: Obj, other: Endpoint) -> bool:
        if "ipBlock" in peer:
            return in_block(peer["ipBlock"], other.ip)
        if not isinstance(other, Pod):
            return False
        if "namespaceSelector" in peer:
            labels = self.namespaces.get(other.namespace, {NAMESPACE_NAME_LABEL: other.namespace})
            if not selects(peer["namespaceSelector"], labels):
                return False
        elif other.namespace != policy["metadata"].get("namespace"):
            return False
        return selects(peer.get("podSelector") or {}, other.labels)


def policy_types(policy: Obj) -> set[str]:
    """policyTypes, or as the API defaults it: Ingress, plus Egress when egress rules exist."""
    spec = policy["spec"]
    if spec.get("policyTypes"):
        return set(spec["policyTypes"])
    return {"Ingress", "Egress"} if "egress" in spec else {"Ingress"}


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector: matchLabels and matchExpressions all hold; {} selects everything."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = set(expression.get("values") or [])
        holds = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not holds:
            return False
    return True


def in_block(block: Mapping[str, Any], ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(address in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])


def ports_match(ports: list[Obj] | None, dest: Endpoint, port: int, protocol: str) -> bool:
    """An absent or empty `ports` admits every port; a named port is the destination pod's."""
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if not isinstance(dest, Pod) or wanted not in dest.ports:
                continue
            wanted = dest.ports[wanted]
        if wanted <= port <= entry.get("endPort", wanted):
            return True
    return False


def cluster_of(objects: Iterable[Obj]) -> Cluster:
    """The policies and namespaces of rendered manifests (several kustomizations together)."""
    objects = list(objects)
    namespaces = {
        obj["metadata"]["name"]: {
            **(obj["metadata"].get("labels") or {}),
            NAMESPACE_NAME_LABEL: obj["metadata"]["name"],
        }
        for obj in objects
        if obj["kind"] == "Namespace"
    }
    policies = tuple(obj for obj in objects if obj["kind"] == "NetworkPolicy")
    return Cluster(policies, namespaces)


def pods_of(objects: Iterable[Obj], first_ip: str = "10.244.0.10") -> dict[str, Pod]:
    """One pod per rendered workload, by workload name, with made-up pod-network addresses."""
    pods = {}
    address = ipaddress.ip_address(first_ip)
    for obj in objects:
        if obj["kind"] not in {"Deployment", "StatefulSet", "DaemonSet"}:
            continue
        template = obj["spec"]["template"]
        ports = {
            p["name"]: p["containerPort"]
            for c in template["spec"]["containers"]
            for p in c.get("ports") or []
            if "name" in p
        }
        name = obj["metadata"]["name"]
        labels = template["metadata"].get("labels") or {}
        pods[name] = Pod(name, obj["metadata"]["namespace"], labels, str(address), ports)
        address += 1
    return pods
