"""The worker's keeper thread, without Redis (the queue tests run it against a real one)."""

from __future__ import annotations

from types import SimpleNamespace

from chatgepeto.ingestion import worker


def test_the_keeper_reports_each_queues_backlog(monkeypatch):
    lines: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        worker, "log", SimpleNamespace(info=lambda event, **fields: lines.append((event, fields)))
    )
    queues = [SimpleNamespace(name="ingest", count=3), SimpleNamespace(name="other", count=0)]

    worker.IngestWorker._report_backlog(SimpleNamespace(queues=queues))

    assert lines == [
        ("queue_backlog", {"queue": "ingest", "queued": 3}),
        ("queue_backlog", {"queue": "other", "queued": 0}),
    ]
