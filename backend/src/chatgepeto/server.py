"""What `chatgepeto serve` adds to gunicorn: a gthread worker that stops listening at SIGTERM.

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

from gunicorn.workers.gthread import ThreadWorker

WORKER_CLASS = "chatgepeto.server.GracefulThreadWorker"


class GracefulThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, refusing new connections from the start of a shutdown."""

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # Shutting down (not merely full): nothing will accept again in this process.
            for listener in self.sockets:
                listener.close()
