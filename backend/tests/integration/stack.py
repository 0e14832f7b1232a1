"""The production topology as processes on this machine, for the integration suite.

Everything is a real engine started the way its container starts it: the machine's PostgreSQL
(a database of its own per run) and Redis (a db of its own), `chroma run`, moto's S3 server,
`chatgepeto migrate`, two or more `chatgepeto serve` API processes and `chatgepeto worker`.
Each ChatGepeto process gets its own DATA_DIR, so nothing can be shared through local files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
ADMIN_TOKEN = "integration-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.2):
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 40) -> None:
        """SIGTERM (graceful), then SIGKILL for the whole process group."""
        if not self.alive:
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill9(self) -> None:
        """What an OOM kill or a lost host does: no cleanup at all."""
        if self.alive:
            assert self.popen is not None
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill9_main(self) -> None:
        """`kill -9 <pid>` as a person does it: the main process only, not its children."""
        assert self.popen is not None
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def pids(self) -> list[int]:
        """This process and its children (gunicorn's workers)."""
        assert self.popen is not None
        children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        kids = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [self.popen.pid, *kids]


def pid_alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Topology:
    """Starts, stops and restarts the pieces; `env` is what every ChatGepeto process shares."""

    root: Path
    database_url: str
    redis_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    chroma: Process | None = None
    s3: Process | None = None
    apis: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    chroma_port: int = field(default_factory=free_port)
    s3_port: int = field(default_factory=free_port)
    bucket: str = field(default_factory=lambda: f"chatgepeto-it-{uuid.uuid4().hex[:8]}")
    queue: str = field(default_factory=lambda: f"it-{uuid.uuid4().hex[:6]}")

    @property
    def env(self) -> dict[str, str]:
        return {
            **FAKE_AWS,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(self.chroma_port),
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            # One secret for every API process, as SSM gives them in production: a student's
            # id cookie holds on whichever process answers.
            "SESSION_SECRET": "integration-session-secret",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "LOG_LEVEL": "WARNING",
            "JOB_QUEUE": self.queue,
            # Heartbeats and leases as a user gets them (10 s, 30 s): no test-only setting.
            "PROXY_HOPS": "1",
            **self.extra_env,
        }

    def _process(self, name: str, argv: list[str], port: int | None = None, **env: str):
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        return Process(
            name,
            argv,
            {**self.env, "DATA_DIR": str(data_dir), **env},
            self.root / f"{name}.log",
            port,
        )

    # -- engines --------------------------------------------------------------------------

    def start_chroma(self) -> None:
        path = self.root / "chroma-data"
        self.chroma = Process(
            "chroma",
            [
                str(BIN / "chroma"),
                "run",
                "--path",
                str(path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.chroma_port),
            ],
            {},
            self.root / "chroma.log",
            self.chroma_port,
        ).start()
        wait_until(lambda: port_open(self.chroma_port), 60, "chroma run listening")

    def start_s3(self) -> None:
        self.s3 = Process(
            "moto",
            [str(BIN / "python"), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)],
            {},
            self.root / "moto.log",
            self.s3_port,
        ).start()
        wait_until(lambda: port_open(self.s3_port), 60, "moto S3 server listening")
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=self.env["S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=self.bucket)

    # -- ChatGepeto processes ---------------------------------------------------------------

    def migrate(self) -> None:
        proc = self._process("migrate", [str(BIN / "chatgepeto"), "migrate"]).start()
        assert proc.popen is not None
        assert proc.popen.wait(120) == 0, proc.log()

    def start_api(self, name: str, **env: str) -> Process:
        port = free_port()
        api = self._process(
            name,
            [
                str(BIN / "chatgepeto"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--threads",
                "8",
            ],
            port,
            **env,
        ).start()
        self.apis.append(api)
        return api

    def wait_ready(self, *apis: Process, timeout: float = 180) -> None:
        for api in apis:

            def ready(api: Process = api) -> bool:
                if not api.alive:
                    raise AssertionError(f"{api.name} exited:\n{api.log()}")
                return httpx.get(f"{api.url}/api/ready", timeout=5).status_code == 200

            wait_until(ready, timeout, f"{api.name} ready", interval=0.5)

    def start_worker(self, name: str = "worker", **env: str) -> Process:
        worker = self._process(name, [str(BIN / "chatgepeto"), "worker"], **env).start()
        self.workers.append(worker)
        return worker

    def stop_all(self) -> None:
        for proc in [*self.apis, *self.workers]:
            proc.stop()
        self.apis.clear()
        self.workers.clear()

    def close(self) -> None:
        self.stop_all()
        for proc in (self.chroma, self.s3):
            if proc is not None:
                proc.stop(10)


@contextlib.contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run (dropped afterwards)."""
    import sqlalchemy as sa

    name = f"chatgepeto_it_{uuid.uuid4().hex[:10]}"
    admin_url = base_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    head, _, _ = base_url.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
