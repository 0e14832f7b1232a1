"""Write the API's OpenAPI spec without a server: `python -m chatgepeto.devtools.openapi [OUT]`.

The spec is what `/api/openapi.json` serves, built from the request and response models of
`api/`. The web app's TypeScript types are generated from the committed copy
(frontend/openapi.json, `make openapi`), and tests/api/test_openapi_current.py fails when that
copy is behind the code.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from chatgepeto.app import create_app
from chatgepeto.services import build_services
from chatgepeto.settings import Settings


def build_spec(log_level: str = "INFO") -> dict[str, Any]:
    """The spec of an app built on a throwaway data folder (no model is loaded, no job runs)."""
    with tempfile.TemporaryDirectory(prefix="chatgepeto-openapi-") as data_dir:
        # Every engine local and in the temporary folder, whatever the environment or a .env
        # names: the spec does not depend on them, and nothing outside may be touched.
        settings = Settings(
            _env_file=None,
            data_dir=Path(data_dir),
            admin_token="openapi",
            database_url="",
            chroma_host="",
            redis_url="",
            job_runner="thread",
            s3_bucket="",
            groq_api_key=None,
            openai_api_key=None,
            log_level=log_level,
        )
        # Building the services loads no model (each loads on first use) and opens no vector
        # index; the job runner is never started.
        services = build_services(settings)
        try:
            return create_app(settings, services).api_doc
        finally:
            services.close()


def render(spec: dict[str, Any]) -> str:
    """The spec as stable text: sorted keys, so that a diff shows only what changed."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    # The output is the spec; the app's start-up logs would only be noise beside it.
    text = render(build_spec(log_level="WARNING"))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
