"""`chatgepeto serve`: gunicorn running the API, with a gthread worker that stops listening at
SIGTERM.

`ApiServer` is the gunicorn application: its configuration comes from the settings, and each
worker builds its own services and app after the fork, then starts its job runner.

On SIGTERM gunicorn's master closes its copy of the listening socket and tells the workers to
stop; a gthread worker then stops accepting and lets its in-flight requests (streamed answers
too) finish within `graceful_timeout`. But it keeps its own copy of the listening socket open
until they have finished, so meanwhile the kernel still completes new connections into the
backlog, where nobody reads them, and resets them when the worker exits: a client (or a load
balancer) waits and then fails instead of being refused at once and trying elsewhere.

`GracefulThreadWorker` closes the listening sockets as soon as it stops accepting, so new
connections are refused from that moment while the requests already running carry on.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from chatgepeto.settings import Settings

WORKER_CLASS = "chatgepeto.server.GracefulThreadWorker"


class ApiServer(BaseApplication):
    """gunicorn serving the app with the settings' bind address, workers and timeouts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # With PRELOAD_MODELS, gunicorn's master loads the embedding models that survive a
        # fork, and the app's modules, once; the workers share those pages (copy-on-write)
        # instead of each loading a copy. Each worker builds its app after the fork
        # (connections, pools and threads do not survive one) and loads the ONNX models
        # itself. docs/operations.md, Memory.
        self.models: dict[str, Any] | None = None
        super().__init__()  # reads the configuration (load_config)

    def load_config(self) -> None:
        settings = self.settings
        self.cfg.set("bind", f"{settings.server.host}:{settings.server.port}")
        self.cfg.set("workers", settings.server.workers)
        # gthread, closing its listening socket at SIGTERM (GracefulThreadWorker below).
        self.cfg.set("worker_class", WORKER_CLASS)
        self.cfg.set("threads", settings.server.threads)
        self.cfg.set("timeout", 120)
        self.cfg.set("graceful_timeout", settings.server.graceful_timeout)
        self.cfg.set("keepalive", settings.server.keepalive_seconds)
        # gunicorn >= 25 opens a control socket in $HOME/.gunicorn by default: unused here
        # (the orchestrator manages the process), and shared by every `serve` of a user.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)
        self.cfg.set("preload_app", settings.server.preload_models)

    def load(self):  # type: ignore[no-untyped-def]
        # Imported here: without PRELOAD_MODELS the master never imports the app (seconds of
        # imports); each worker does, after the fork.
        import threading

        from chatgepeto.app import create_app, start_job_runner
        from chatgepeto.services import build_services, load_models_before_fork

        settings = self.settings
        if settings.server.preload_models and self.models is None:  # the master, before forking
            self.models = load_models_before_fork(settings)
            return None  # no app yet: each worker's wsgi() calls load() again
        services = build_services(settings, migrate=False, models=self.models)
        app = create_app(settings, services)
        # In each worker, after the fork: the runner's threads would not survive one.
        start_job_runner(services)
        # The models and every collection's indexes (BM25 loaded if saved, else built), so
        # that the first searches after a start do not wait for them.
        threading.Thread(
            target=services.warm_up, kwargs={"search": True}, daemon=True, name="warm-up"
        ).start()
        return app


class GracefulThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, refusing new connections from the start of a shutdown."""

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # Shutting down (not merely full): nothing will accept again in this process.
            for listener in self.sockets:
                listener.close()
