#!/bin/sh
# kindlab's entrypoint for the Docker-in-Docker stand-in (see the Dockerfile beside it).
set -eu

say() { echo "dind-entrypoint: $*" >&2; }

# Every name a job may use for this service, and its addresses, for the server certificate.
subject_alt_names() {
  {
    for address in $(hostname -i 2>/dev/null) 127.0.0.1; do echo "IP:$address"; done
    for name in "$(hostname)" "$(hostname -f 2>/dev/null || hostname)" docker localhost; do
      echo "DNS:$name"
    done
    if [ -n "${DOCKER_TLS_SAN:-}" ]; then echo "$DOCKER_TLS_SAN" | tr ', ' '\n\n' | grep .; fi
  } | sort -u | paste -sd, -
}

# sign DIR CN USAGE [SAN]: a key and a certificate signed by our CA, plus the CA as ca.pem.
sign() {
  dir=$1 cn=$2 usage=$3 san=${4:-}
  mkdir -p "$dir"
  [ -s "$dir/key.pem" ] || openssl genrsa -out "$dir/key.pem" 2048 2>/dev/null
  openssl req -new -key "$dir/key.pem" -subj "/CN=$cn" -out "$dir/csr.pem"
  {
    echo "extendedKeyUsage = $usage"
    if [ -n "$san" ]; then echo "subjectAltName = $san"; fi
  } > "$dir/ext.cnf"
  openssl x509 -req -sha256 -days 825 -in "$dir/csr.pem" -CA "$certs/ca/cert.pem" \
    -CAkey "$certs/ca/key.pem" -CAcreateserial -extfile "$dir/ext.cnf" -out "$dir/cert.pem" \
    2>/dev/null
  cp "$certs/ca/cert.pem" "$dir/ca.pem"
  rm -f "$dir/csr.pem" "$dir/ext.cnf"
  chmod 0644 "$dir/cert.pem" "$dir/ca.pem"
}

# The CA is made once; server and client certificates are (re)made while we hold its key, so a
# job sharing $DOCKER_TLS_CERTDIR/client always gets a pair this engine trusts.
generate_certs() {
  certs=$1
  mkdir -p "$certs/ca"
  [ -s "$certs/ca/key.pem" ] || openssl genrsa -out "$certs/ca/key.pem" 2048 2>/dev/null
  [ -s "$certs/ca/cert.pem" ] || openssl req -new -x509 -sha256 -days 825 \
    -key "$certs/ca/key.pem" -subj "/CN=docker:dind CA" -out "$certs/ca/cert.pem"
  sign "$certs/server" "docker:dind server" serverAuth "$(subject_alt_names)"
  sign "$certs/client" "docker:dind client" clientAuth
  # The client key opens a root engine: its owner only (the jobs that share it run as root).
  chmod 0600 "$certs/client/key.pem" "$certs/server/key.pem" "$certs/ca/key.pem"
  say "TLS certificates in $certs (client ones in $certs/client)"
}

# cgroup v2: move ourselves out of the root group, so the engine may enable controllers there.
nest_cgroup_v2() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
      > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
  fi
}

# CAP_SYS_RESOURCE (bit 24) missing from the bounding set: runc cannot grant it to privileged
# containers, so the engine runs them through the shim that drops it.
runtime_args() {
  bounding=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
  if [ $((0x$bounding >> 24 & 1)) -eq 0 ]; then
    say "CAP_SYS_RESOURCE is not in the bounding set: default runtime runc-capfix"
    echo "--add-runtime=kindlab-capfix=/usr/local/bin/runc-capfix --default-runtime=kindlab-capfix"
  fi
}

if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ] && [ "$1" != dockerd ]; then
  exec "$@"  # another command, as with the upstream image
fi
[ "${1:-}" = dockerd ] && shift

if [ -n "${DOCKER_TLS_CERTDIR:-}" ]; then
  generate_certs "$DOCKER_TLS_CERTDIR"
  set -- --host=tcp://0.0.0.0:2376 --tlsverify \
    --tlscacert="$DOCKER_TLS_CERTDIR/server/ca.pem" \
    --tlscert="$DOCKER_TLS_CERTDIR/server/cert.pem" \
    --tlskey="$DOCKER_TLS_CERTDIR/server/key.pem" "$@"
else
  # Upstream would listen on tcp 2375 without TLS: root on this host for anything that can reach
  # it. This stand-in never does; without certificates the engine has its unix socket only
  # (docker exec ... docker ..., as the dind image store's seeder uses it).
  say "DOCKER_TLS_CERTDIR is empty: unix socket only, no TCP listener (no plain-text 2375)"
fi

# A runner-provided image store (tox -e pipeline, air-gapped): one data root per job name on a
# shared volume, so the dind services of a pipeline's jobs, alive at the same time, never share.
if [ -n "${KINDLAB_DIND_STORE:-}" ] && [ -n "${CI_JOB_NAME:-}" ]; then
  say "image store $KINDLAB_DIND_STORE/$CI_JOB_NAME"
  set -- --data-root="$KINDLAB_DIND_STORE/$CI_JOB_NAME" "$@"
fi

nest_cgroup_v2
# shellcheck disable=SC2046  # the runtime flags are words on purpose
exec dockerd --host=unix:///var/run/docker.sock $(runtime_args) "$@"
