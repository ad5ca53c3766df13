#!/bin/sh
# Makes the registry's certificate for $REGISTRY_HOST and its one user, then serves.
# The certificate is self-signed and published in /certs.d/$REGISTRY_HOST/ca.crt, the layout
# Docker reads from /etc/docker/certs.d: whoever mounts that directory there trusts us.
set -eu
: "${REGISTRY_HOST:?the registry's host name}" "${REGISTRY_USER:?}" "${REGISTRY_PASSWORD:?}"
tls=/run/registry/tls
mkdir -p "$tls" "/certs.d/$REGISTRY_HOST"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 -subj "/CN=$REGISTRY_HOST" \
  -addext "subjectAltName=DNS:$REGISTRY_HOST" -keyout "$tls/key.pem" -out "$tls/cert.pem" \
  2>/dev/null
cp "$tls/cert.pem" "/certs.d/$REGISTRY_HOST/ca.crt"
htpasswd -Bbc /run/registry/htpasswd "$REGISTRY_USER" "$REGISTRY_PASSWORD" 2>/dev/null
echo "registry-entrypoint: serving $REGISTRY_HOST:443 (TLS, htpasswd user $REGISTRY_USER)" >&2
exec registry serve /etc/distribution/config.yml
