#!/bin/sh
# Makes the registry's certificate for $REGISTRY_HOST, then serves. Its users are in
# /etc/distribution/htpasswd, put there (0600, bcrypt hashes only) before the container starts:
# no password ever passes through this container's environment or a command line.
# The certificate is self-signed and published in /certs.d/$REGISTRY_HOST/ca.crt, the layout
# Docker reads from /etc/docker/certs.d: whoever mounts that directory there trusts us.
set -eu
: "${REGISTRY_HOST:?the registry's host name}"
users=/etc/distribution/htpasswd
if [ ! -s "$users" ]; then
  echo "registry-entrypoint: no users in $users (docker cp an htpasswd file there first)" >&2
  exit 1
fi
chmod 0600 "$users"
tls=/run/registry/tls
mkdir -p "$tls" "/certs.d/$REGISTRY_HOST"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 -subj "/CN=$REGISTRY_HOST" \
  -addext "subjectAltName=DNS:$REGISTRY_HOST" -keyout "$tls/key.pem" -out "$tls/cert.pem" \
  2>/dev/null
cp "$tls/cert.pem" "/certs.d/$REGISTRY_HOST/ca.crt"
echo "registry-entrypoint: serving $REGISTRY_HOST:443 (TLS, users of $users)" >&2
exec registry serve /etc/distribution/config.yml
