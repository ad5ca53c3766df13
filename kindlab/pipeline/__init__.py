"""Layer 10: the GitLab pipeline run locally (`kindlab pipeline`): gitlab-ci-local and what a
GitLab runner would provide."""
