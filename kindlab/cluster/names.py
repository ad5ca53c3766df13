"""Names of the app's objects in the cluster, as k8s/base and k8s/overlays/kind define them."""

APP_NAMESPACE = "kindlab"
APP_NAME = "kindlab-app"
APP_SELECTOR = "app.kubernetes.io/name=kindlab-app"
APP_CONTAINER = "app"
APP_REPOSITORY = "kindlab/app"
APP_TAG = "local"
