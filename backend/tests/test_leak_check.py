"""The leak check itself (tests/utils/leaks.py) sees responses, log lines and stored rows."""

import logging

from conftest import ADMIN_TOKEN
from utils import leaks


def test_it_records_responses_and_log_lines(client):
    leaks._check.take()
    client.get("/api/health")
    logging.getLogger("chatgepeto.test").warning("probe %s", "here")
    kinds = {record.kind for record in leaks._check.records}
    assert {"response head", "response body", "log line"} <= kinds


def test_it_finds_secrets_paths_tracebacks_and_sql(settings, tmp_path):
    check = leaks._check
    check.add_secret("admin token", ADMIN_TOKEN)
    found = check.findings(
        [
            leaks.Record("log line", "x", f"token={ADMIN_TOKEN}"),
            leaks.Record("response body", "x", f'"file": "{tmp_path}/data/files/a"'),
            leaks.Record(
                "log line", "x", 'Traceback (most recent call last):\n  File "a.py", line 3'
            ),
            leaks.Record("stored row", "x", "(sqlite3.OperationalError) [SQL: SELECT id FROM t]"),
            leaks.Record("log line", "x", "all fine: /api/documents/abc/file"),
        ]
    )
    assert len(found) >= 4
    assert not [f for f in found if "all fine" in f]
