"""terraform/, checked without AWS: the parsed HCL says what the deployment does.

There is no AWS account and no provider download on the machines the tests run on, so
`terraform validate`/`plan` cannot run; `make lint-terraform` runs `terraform fmt -check` and
checkov, and these tests read the configuration itself: /api/* reaches the API's target group,
whose health check is /api/health; HTTP only redirects; TLS 1.2+; containers get their secrets
from SSM through `valueFrom` and nothing secret-looking as plain environment; read-only,
non-root containers without public IPs; every variable typed and described; no secret in a
variable default or an output; immutable, scanned images; the deploy role trusts main only.

They run in tools/.venv (`make test-deploy`), whose `hcl2` is checkov's own parser
(bc-python-hcl2): it wraps each block attribute in a one-element list, which `attr()` unwraps,
and renders expressions as "${...}" strings. Elsewhere (the backend venv) they are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

# These run in tools/.venv (`make test-deploy`, part of `make test`), with checkov's own HCL
# parser: checkov's pins conflict with the backend venv, so here they are collected elsewhere.
_REASON = "runs in tools/.venv with checkov's HCL parser: make test-deploy (part of make test)"
hcl2 = pytest.importorskip("hcl2", reason=_REASON)
if not getattr(hcl2, "__version__", "").startswith("0."):
    pytest.skip(_REASON, allow_module_level=True)

REPO = Path(__file__).resolve().parents[3]
TERRAFORM = REPO / "terraform"

SECRET_NAME = re.compile(r"KEY|TOKEN|PASSWORD|SECRET", re.I)
# Where a generated secret may go: SSM parameters, the database's and the cache's own settings.
SECRET_SOURCE = re.compile(r"random_password\.|ephemeral\.|data\.aws_ssm_parameter\.|\.value\b")
REFERENCE = re.compile(r"^\$\{(.+)\}$")
LOCAL = re.compile(r"\blocal\.(\w+)")
SERVICE_MODULE = "terraform-aws-modules/ecs/aws//modules/service"


# -- reading -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf() -> dict[str, list[dict[str, Any]]]:
    """Every top-level block of terraform/*.tf, by kind (resource, module, variable, ...)."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as handle:
            for kind, blocks in hcl2.load(handle).items():
                merged.setdefault(kind, []).extend(blocks)
    return merged


def attr(block: dict[str, Any], name: str, default: Any = None) -> Any:
    """A block attribute's value (the parser wraps each in a one-element list)."""
    value = block.get(name, default)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def named(tf: dict, kind: str) -> dict[str, dict[str, Any]]:
    """Blocks with one label (module, variable, output) by name."""
    return {name: body for block in tf.get(kind, []) for name, body in block.items()}


def resources(tf: dict, kind: str, rtype: str) -> dict[str, dict[str, Any]]:
    """Blocks with two labels (resource, data, ephemeral) of one type, by name."""
    return {
        name: body
        for block in tf.get(kind, [])
        for found, bodies in block.items()
        if found == rtype
        for name, body in bodies.items()
    }


@pytest.fixture(scope="module")
def locals_(tf) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for block in tf.get("locals", []):
        values.update({k: attr(block, k) for k in block if not k.startswith("__")})
    return values


@pytest.fixture(scope="module")
def modules(tf) -> dict[str, dict[str, Any]]:
    return named(tf, "module")


@pytest.fixture(scope="module")
def services(modules) -> dict[str, dict[str, Any]]:
    """The ECS service module calls (the migrate task definition included)."""
    return {k: v for k, v in modules.items() if attr(v, "source") == SERVICE_MODULE}


@pytest.fixture(scope="module")
def containers(services) -> dict[str, dict[str, Any]]:
    found = {}
    for service in services.values():
        found.update(attr(service, "container_definitions"))
    return found


def entries(value: Any, locals_: dict[str, Any]) -> list[Any]:
    """The items a list-valued expression can hold, following `local.x` references."""
    if isinstance(value, list):
        return [item for element in value for item in entries(element, locals_)]
    if isinstance(value, str) and REFERENCE.match(value):
        names = LOCAL.findall(value)
        assert names, f"cannot follow {value!r}"
        return [item for name in names for item in entries(locals_[name], locals_)]
    return [value]


def environment_names(container: dict[str, Any], locals_: dict[str, Any]) -> dict[str, Any]:
    """Name → value of a container's plain environment (settings maps followed through locals)."""
    names: dict[str, Any] = {}
    for item in entries(container.get("environment", []), locals_):
        if isinstance(item, dict) and set(item) == {"name", "value"}:
            names[item["name"]] = item["value"]
        elif isinstance(item, dict):  # a settings map, e.g. local.backend_settings
            names.update(item)
        else:
            pytest.fail(f"unexpected environment entry {item!r}")
    return names


def forward_keys(actions: Any) -> list[str]:
    """Target group keys a listener rule's actions forward to (literal, or in a concat())."""
    text = actions if isinstance(actions, str) else repr(actions)
    return re.findall(r"['\"]forward['\"]:\s*\{['\"]target_group_key['\"]:\s*['\"](\w+)['\"]", text)


# -- layout --------------------------------------------------------------------------------------


def test_the_layout_of_terraform_aws_modules_examples():
    for name in ("versions.tf", "providers.tf", "backend.tf", "variables.tf", "outputs.tf"):
        assert (TERRAFORM / name).is_file(), name
    assert (TERRAFORM / "README.md").is_file()
    assert (REPO / "docs" / "deploy.md").is_file()


def test_terraform_and_providers_are_pinned_and_state_is_locked_in_s3(tf):
    blocks = tf["terraform"]
    versions = next(b for b in blocks if "required_version" in b)
    assert attr(versions, "required_version").startswith("~>")
    providers = attr(versions, "required_providers")
    for name in ("aws", "random"):
        assert attr(providers, name)["version"].startswith("~>"), name
    backend = attr(next(b for b in blocks if "backend" in b), "backend")["s3"]
    assert attr(backend, "encrypt") is True
    assert attr(backend, "use_lockfile") is True


def test_registry_modules_are_used_and_pinned(modules):
    sources = {attr(m, "source") for m in modules.values()}
    assert {"terraform-aws-modules/vpc/aws", "terraform-aws-modules/alb/aws"} <= sources
    assert "terraform-aws-modules/ecs/aws//modules/cluster" in sources
    assert SERVICE_MODULE in sources
    for name, module in modules.items():
        assert attr(module, "source").startswith("terraform-aws-modules/"), name
        assert re.fullmatch(r"~> \d+\.\d+", attr(module, "version")), name


# -- load balancer -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alb(modules) -> dict[str, Any]:
    return modules["alb"]


def test_api_paths_go_to_the_api_target_group_and_the_rest_to_the_web_app(alb):
    https = attr(alb, "listeners")["https"]
    assert https["forward"] == {"target_group_key": "frontend"}
    api_rules = [
        rule
        for rule in https["rules"].values()
        if any(c.get("path_pattern", {}).get("values") == ["/api/*"] for c in rule["conditions"])
    ]
    assert len(api_rules) == 1
    assert forward_keys(api_rules[0]["actions"]) == ["api"]
    # No other rule forwards anywhere (the /metrics rule answers 404 itself).
    others = [r for r in https["rules"].values() if r is not api_rules[0]]
    assert all(forward_keys(r["actions"]) == [] for r in others)


def test_the_api_target_group_checks_api_health(alb, services):
    groups = attr(alb, "target_groups")
    api = groups["api"]
    assert api["health_check"]["path"] == "/api/health"
    assert api["health_check"]["matcher"] == "200"
    assert (api["port"], api["protocol"], api["target_type"]) == (8000, "HTTP", "ip")
    assert api["create_attachment"] is False
    assert groups["frontend"]["port"] == 3000
    # The API service registers its container's port 8000 in that target group.
    balancer = attr(services["api"], "load_balancer")["api"]
    assert balancer["target_group_arn"] == '${module.alb.target_groups["api"].arn}'
    assert (balancer["container_name"], balancer["container_port"]) == ("api", 8000)
    ports = attr(services["api"], "container_definitions")["api"]["portMappings"]
    assert [p["containerPort"] for p in ports] == [8000]


def test_a_stopping_api_task_drains_longer_than_its_graceful_timeout(alb, containers):
    longer = "${var.graceful_timeout + 5}"
    assert attr(alb, "target_groups")["api"]["deregistration_delay"] == longer
    assert containers["api"]["stopTimeout"] == longer


def test_http_only_redirects_to_https(alb):
    http = attr(alb, "listeners")["http"]
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["redirect"] == {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}
    assert not {"forward", "rules", "fixed_response"} & set(http)


def test_https_allows_tls_1_2_or_newer_only(alb, tf):
    https = attr(alb, "listeners")["https"]
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["certificate_arn"] == "${var.certificate_arn}"
    assert https["ssl_policy"] == "${var.alb_ssl_policy}"
    policy = named(tf, "variable")["alb_ssl_policy"]
    assert re.match(r"ELBSecurityPolicy-(TLS13-1-2|TLS-1-2)", attr(policy, "default"))
    assert "TLS13-1-2|TLS-1-2" in attr(attr(policy, "validation"), "condition")


def test_the_load_balancer_drops_invalid_headers_logs_and_waits_for_streams(alb, tf):
    assert attr(alb, "drop_invalid_header_fields") is True
    assert attr(alb, "access_logs")["enabled"] is True
    assert attr(alb, "idle_timeout") == "${var.alb_idle_timeout}"
    assert attr(named(tf, "variable")["alb_idle_timeout"], "default") > 60


def test_sign_in_is_optional_off_by_default_and_guards_the_api_too(tf, alb, locals_):
    variables = named(tf, "variable")
    assert attr(variables["alb_oidc"], "default") is None
    assert attr(variables["alb_cognito"], "default") is None
    https = attr(alb, "listeners")["https"]
    assert https["authenticate_oidc"] == "${local.alb_oidc}"
    assert https["authenticate_cognito"] == "${local.alb_cognito}"
    assert "local.alb_api_auth_actions" in https["rules"]["api"]["actions"]
    # The OIDC client secret is read from SSM, not taken from a variable.
    assert not re.search(r"['\"]client_secret['\"]", attr(variables["alb_oidc"], "type"))
    assert "data.aws_ssm_parameter.alb_oidc_client_secret" in str(locals_["alb_oidc"])


# -- containers ------------------------------------------------------------------------------------


def test_every_service_is_there(services, containers):
    assert {"api", "worker", "frontend", "chroma", "migrate"} <= set(services)
    assert {"api", "worker", "frontend", "chroma", "migrate"} <= set(containers)
    commands = {name: c.get("command") for name, c in containers.items()}
    assert commands["api"] == ["chatgepeto", "serve"]
    assert commands["worker"] == ["chatgepeto", "worker"]
    assert commands["migrate"] == ["chatgepeto", "migrate"]
    assert commands["chroma"][:2] == ["chroma", "run"]


def test_containers_get_secrets_only_from_ssm_through_value_from(tf, containers, locals_):
    parameters = resources(tf, "resource", "aws_ssm_parameter")
    for name, container in containers.items():
        for secret in entries(container.get("secrets", []), locals_):
            assert set(secret) == {"name", "valueFrom"}, (name, secret)
            match = re.fullmatch(r"\$\{aws_ssm_parameter\.(\w+)\.arn\}", secret["valueFrom"])
            assert match, (name, secret)
            parameter = parameters[match.group(1)]
            assert attr(parameter, "type") == "SecureString"
            assert attr(parameter, "key_id") == "${aws_kms_key.main.arn}"
    api = {s["name"] for s in entries(containers["api"]["secrets"], locals_)}
    assert {
        "ADMIN_TOKEN",
        "SESSION_SECRET",
        "DATABASE_PASSWORD",
        "REDIS_URL",
        "GROQ_API_KEY",
    } == api
    worker = {s["name"] for s in entries(containers["worker"]["secrets"], locals_)}
    assert worker == {"DATABASE_PASSWORD", "REDIS_URL"}


def test_no_plain_environment_entry_looks_secret(tf, containers, locals_):
    for name, container in containers.items():
        for key, value in environment_names(container, locals_).items():
            assert not SECRET_NAME.search(key), (name, key)
            assert not SECRET_SOURCE.search(str(value)), (name, key, value)
    # The settings a deployer adds are refused when their names look secret.
    extra = named(tf, "variable")["backend_environment"]
    assert "KEY|TOKEN|PASSWORD|SECRET" in attr(attr(extra, "validation"), "condition")


def test_the_api_runs_behind_one_proxy_with_tls_to_redis_and_postgres(containers, locals_, tf):
    settings = environment_names(containers["api"], locals_)
    assert settings["PROXY_HOPS"] == "1"
    assert "var.alb_idle_timeout + 5" in settings["KEEPALIVE_SECONDS"]
    assert settings["DATABASE_URL"] == "${local.database_url}"
    assert "sslmode=require" in locals_["database_url"]
    assert ":" not in locals_["database_url"].split("@")[0].removeprefix("postgresql://")
    redis = resources(tf, "resource", "aws_ssm_parameter")["redis_url"]
    assert attr(redis, "value").startswith("rediss://")


def test_containers_are_read_only_and_not_root(containers, locals_):
    for name, container in containers.items():
        assert container.get("readonlyRootFilesystem") is True, name
        user = container.get("user", "")
        match = REFERENCE.match(user)
        user = locals_[LOCAL.findall(user)[0]] if match else user
        assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), (name, user)
        assert container.get("privileged") is not True, name


def test_the_backend_image_declares_the_volumes_the_tasks_write_to(locals_):
    # Fargate gives a task-storage mount the image's owner (10001) only under a VOLUME.
    runtime = (REPO / "docker" / "backend.Dockerfile").read_text().split("\nFROM ")[-1]
    volume = re.search(r"^VOLUME (\[.*\])$", runtime, re.M)
    assert volume, "docker/backend.Dockerfile declares no VOLUME"
    mounted = {m["containerPath"] for m in locals_["backend_mount_points"]}
    assert mounted <= set(json.loads(volume.group(1)))


def test_every_backend_variable_is_a_setting_of_the_app(containers, locals_):
    source = (REPO / "backend" / "src" / "chatgepeto" / "settings.py").read_text()
    fields = {name.upper() for name in re.findall(r"^    (\w+): .+ = ", source, re.M)}
    not_settings = {"XDG_CACHE_HOME", "HF_HOME"}  # read by the libraries, not the app
    for name in ("api", "worker", "migrate"):
        container = containers[name]
        names = set(environment_names(container, locals_)) - not_settings
        names |= {secret["name"] for secret in entries(container["secrets"], locals_)}
        assert names <= fields, (name, names - fields)


def test_tasks_run_in_private_subnets_without_public_ips(services):
    for name, service in services.items():
        assert attr(service, "subnet_ids") == "${module.vpc.private_subnets}", name
        if attr(service, "create_service", True):
            assert attr(service, "assign_public_ip") is False, name


def test_execution_roles_read_only_their_own_secrets(services, containers):
    for name, service in services.items():
        (container,) = attr(service, "container_definitions").values()
        secrets = container.get("secrets")
        arns = attr(service, "task_exec_ssm_param_arns")
        if secrets is None:
            assert arns is None, name
            continue
        # [for secret in local.X_secrets : secret.valueFrom], X the container's own list.
        assert LOCAL.findall(arns) == LOCAL.findall(secrets), name
        assert attr(service, "task_exec_iam_statements") == ["${local.decrypt_through_ssm}"]
        assert attr(service, "task_exec_iam_role_arn") is None, name


# -- variables, outputs, secrets -------------------------------------------------------------------


def test_every_variable_is_typed_and_described(tf):
    variables = named(tf, "variable")
    assert len(variables) > 30
    for name, variable in variables.items():
        assert attr(variable, "type"), name
        description = attr(variable, "description")
        assert isinstance(description, str) and len(description) > 15, name


def test_no_variable_default_or_output_holds_a_secret(tf):
    for name, variable in named(tf, "variable").items():
        default = attr(variable, "default")
        if SECRET_NAME.search(name) and not name.endswith("_version"):
            assert default is None, name
        for text in re.findall(r"[A-Za-z0-9+/_=-]{24,}", repr(default)):
            assert not re.search(r"\d", text) or "-" in text, (name, text)  # no token-like literal
    for name, output in named(tf, "output").items():
        value = str(attr(output, "value"))
        assert not SECRET_SOURCE.search(value), name
        # Names and ARNs of the secrets' homes are fine; their contents are not.
        assert not re.search(r"\.(result|value|value_wo|password\w*|auth_token)\b", value), name
        assert attr(output, "sensitive") is not True, name  # nothing that needs hiding


def test_generated_secrets_never_reach_the_state(tf):
    ephemeral = resources(tf, "ephemeral", "random_password")
    parameters = resources(tf, "resource", "aws_ssm_parameter")
    for parameter, source in (
        ("admin_token", "admin_token"),
        ("session_secret", "session_secret"),
        ("database_password", "database"),
    ):
        body = parameters[parameter]
        assert attr(body, "value_wo") == f"${{ephemeral.random_password.{source}.result}}"
        assert "value" not in body
        assert source in ephemeral
    database = resources(tf, "resource", "aws_db_instance")["main"]
    assert attr(database, "password_wo") == "${ephemeral.random_password.database.result}"
    assert "password" not in database and "manage_master_user_password" not in database
    # The Groq key is put by a person; Terraform writes a placeholder once and never reads it.
    assert "value" not in parameters["groq_api_key"]


def test_data_stores_are_private_and_encrypted(tf):
    database = resources(tf, "resource", "aws_db_instance")["main"]
    assert attr(database, "storage_encrypted") is True
    assert attr(database, "kms_key_id") == "${aws_kms_key.main.arn}"
    assert attr(database, "publicly_accessible") is False
    assert attr(database, "multi_az") == "${var.db_multi_az}"
    assert attr(database, "backup_retention_period") == "${var.db_backup_retention_days}"
    redis = resources(tf, "resource", "aws_elasticache_replication_group")["main"]
    assert attr(redis, "transit_encryption_enabled") is True
    assert attr(redis, "at_rest_encryption_enabled") is True
    assert attr(redis, "auth_token") == "${random_password.redis_auth.result}"
    uploads = "uploads"
    versioning = resources(tf, "resource", "aws_s3_bucket_versioning")[uploads]
    assert attr(attr(versioning, "versioning_configuration"), "status") == "Enabled"
    encryption = resources(tf, "resource", "aws_s3_bucket_server_side_encryption_configuration")
    rule = attr(attr(encryption[uploads], "rule"), "apply_server_side_encryption_by_default")
    assert attr(rule, "sse_algorithm") == "aws:kms"
    block = resources(tf, "resource", "aws_s3_bucket_public_access_block")[uploads]
    for setting in ("acls", "policy"):
        assert attr(block, f"block_public_{setting}") is True, setting
    assert attr(block, "ignore_public_acls") is True
    assert attr(block, "restrict_public_buckets") is True


# -- images, GitHub --------------------------------------------------------------------------------


def test_images_are_immutable_scanned_and_expire(tf):
    repositories = resources(tf, "resource", "aws_ecr_repository")
    assert repositories
    for name, repository in repositories.items():
        assert attr(repository, "image_tag_mutability") == "IMMUTABLE", name
        assert attr(attr(repository, "image_scanning_configuration"), "scan_on_push") is True, name
    policies = resources(tf, "resource", "aws_ecr_lifecycle_policy")
    assert [attr(p, "for_each") for p in policies.values()] == ["${aws_ecr_repository.this}"]


def test_the_deploy_role_trusts_this_repositorys_main_branch_only(tf):
    trust = resources(tf, "data", "aws_iam_policy_document")["github_deploy_assume"]
    (statement,) = trust["statement"]
    assert attr(statement, "actions") == ["sts:AssumeRoleWithWebIdentity"]
    principal = attr(statement, "principals")
    assert attr(principal, "type") == "Federated"
    conditions = {attr(c, "variable"): c for c in statement["condition"]}
    assert set(conditions) == {
        "${local.github_oidc_url}:aud",
        "${local.github_oidc_url}:sub",
    }
    for condition in conditions.values():
        assert attr(condition, "test") == "StringEquals"  # no wildcards
    assert attr(conditions["${local.github_oidc_url}:aud"], "values") == ["sts.amazonaws.com"]
    assert attr(conditions["${local.github_oidc_url}:sub"], "values") == [
        "repo:${var.github_repository}:ref:refs/heads/${var.github_main_branch}",
        "repo:${var.github_repository}:environment:${var.github_deploy_environment}",
    ]
    variables = named(tf, "variable")
    assert attr(variables["github_main_branch"], "default") == "main"
    assert "default" not in variables["github_repository"]
    role = resources(tf, "resource", "aws_iam_role")["github_deploy"]
    trust_json = "${data.aws_iam_policy_document.github_deploy_assume.json}"
    assert attr(role, "assume_role_policy") == trust_json


def test_checkov_skips_carry_a_reason():
    skips = 0
    for path in TERRAFORM.glob("*.tf"):
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line:
                skips += 1
                match = re.search(r"checkov:skip=(CKV2?_[A-Z]+_\d+):(.+)", line)
                assert match, f"{path.name}: {line.strip()}"
                assert len(match.group(2).strip()) >= 30, f"{path.name}: {line.strip()}"
    assert skips


def test_the_deploy_role_runs_only_the_one_off_tasks(tf):
    policy = resources(tf, "data", "aws_iam_policy_document")["github_deploy"]
    statements = {attr(s, "sid"): s for s in policy["statement"]}
    run = statements["RunTheOneOffTasks"]
    assert attr(run, "actions") == ["ecs:RunTask"]
    # migrate, and reindex with the worker's definition: no other family, no wildcard.
    assert attr(run, "resources") == [
        "${local.ecs_arn_prefix}:task-definition/${local.name}-migrate:*",
        "${local.ecs_arn_prefix}:task-definition/${local.name}-worker:*",
    ]
    (condition,) = run["condition"]
    assert attr(condition, "variable") == "ecs:cluster"
    assert attr(condition, "values") == ["${module.ecs_cluster.arn}"]
    runs = [s for s in policy["statement"] if "ecs:RunTask" in attr(s, "actions")]
    assert runs == [run]
