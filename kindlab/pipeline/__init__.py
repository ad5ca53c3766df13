"""The GitLab pipeline run locally (tox -e pipeline): gitlab-ci-local and what it needs here."""
