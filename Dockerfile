# The kindlab service image. It needs BuildKit (for the CA secret); kindlab.build.appimage picks a
# docker client that can do it and passes the host's CA bundle:
#   python -c 'from kindlab.build.appimage import build_app_image as b; b("kindlab/app:dev", "dev")'
# BASE_IMAGE is PYTHON_IMAGE from versions/versions.env (a unit test keeps the two equal). Any
# Debian image with python3 and its venv module works: the official slim image keeps Python in
# /usr/local/bin, Debian's in /usr/bin; a venv built on the same base hides the difference.
ARG BASE_IMAGE=docker.io/library/python:3.11.14-slim-bookworm

FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /build
# The image installs [project].dependencies of pyproject.toml and everything they pull in, as
# locked with hashes in versions/locks/app.txt (kindlab lock): pip checks every file's hash and
# installs nothing the lock does not name.
COPY versions/locks/app.txt requirements.txt
# A TLS-intercepting proxy's CA arrives as a secret: used by pip, never stored in a layer.
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --require-hashes --no-deps --requirement requirements.txt \
 && /opt/venv/bin/pip uninstall --quiet --yes pip setuptools

FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG APP_VERSION=dev
LABEL org.opencontainers.image.title="kindlab-app" \
      org.opencontainers.image.description="kindlab Flask microservice (gunicorn, Prometheus metrics)" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
# All writable state lives under /tmp (a volume here, an emptyDir in Kubernetes), so the root
# filesystem can be mounted read-only.
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    PORT=5000 \
    APP_VERSION=${APP_VERSION} \
    APP_STATE_DIR=/tmp/kindlab/state \
    PROMETHEUS_MULTIPROC_DIR=/tmp/kindlab/metrics
COPY --from=builder /opt/venv /opt/venv
COPY app /app/app
WORKDIR /app
USER 10001:10001
EXPOSE 5000
VOLUME ["/tmp"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/venv/bin/python", "-m", "app.healthcheck"]
# Exec form: gunicorn is PID 1 and receives SIGTERM itself.
CMD ["/opt/venv/bin/gunicorn", "--config", "/app/app/gunicorn.conf.py"]
