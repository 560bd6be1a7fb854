"""Per-provider hooks named by the manifests: the few I/O-free rules a schema cannot express."""
