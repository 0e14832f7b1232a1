"""The committed OpenAPI spec (frontend/openapi.json) is the one the code builds.

The web app's API types are generated from that file and its runtime checks are held against
them by `tsc` (frontend/src/lib/api/openapi-contract.ts): a response model changed without
`make openapi` would leave the web app checked against an old contract.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from chatgepeto.devtools.openapi import build_spec, render

COMMITTED = Path(__file__).resolve().parents[3] / "frontend" / "openapi.json"


def test_committed_spec_is_current():
    built = render(build_spec())
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if built != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), built.splitlines(), "committed", "built", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:60])
        raise AssertionError(
            f"frontend/openapi.json is behind the API's models: run `make openapi` and commit "
            f"frontend/openapi.json and frontend/src/lib/api/openapi.d.ts.\n{shown}"
        )
