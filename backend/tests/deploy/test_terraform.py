"""terraform/, checked without AWS: the parsed HCL says what the deployment does.

There is no AWS account and no provider download on the machines the tests run on, so
`terraform validate`/`plan` cannot run; `make lint-terraform` runs `terraform fmt -check` and
checkov, and these tests read the configuration itself: /api/* reaches the API's target group,
whose health check is /api/health; HTTP only redirects; TLS 1.2+; containers get their secrets
from SSM through `valueFrom` and nothing secret-looking as plain environment; read-only,
non-root containers without public IPs; every variable typed and described; no secret in a
variable default or an output; immutable, scanned images; the deploy role trusts main only;
private, encrypted buckets; the alarms, roles and services that `for_each` makes from maps in
`locals`, and `moved` blocks that take an existing deployment's state to their addresses.

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
EACH_VALUE = re.compile(r"^\$\{each\.value\.(\w+)\}$")
SERVICE_MODULE = "terraform-aws-modules/ecs/aws//modules/service"
BUCKET_MODULE = "terraform-aws-modules/s3-bucket/aws"


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


def merged(value: str, locals_: dict[str, Any]) -> dict[str, Any]:
    """A `merge(local.a, local.b, ...)` of literal maps, as Terraform merges them."""
    result: dict[str, Any] = {}
    for name in LOCAL.findall(value):
        result.update(locals_[name])
    return result


def instances(module: dict[str, Any], entries: dict[str, dict[str, Any]]) -> dict[str, dict]:
    """A for_each module call's arguments by key: each `each.value.x` is that entry's x."""
    found = {}
    for key, entry in entries.items():
        body = {}
        for name in module:
            value = attr(module, name)
            match = EACH_VALUE.match(value) if isinstance(value, str) else None
            body[name] = [entry[match.group(1)]] if match else module[name]
        found[key] = body
    return found


@pytest.fixture(scope="module")
def service_entries(locals_) -> dict[str, dict[str, Any]]:
    """local.services: each service's entry over the defaults (services.tf)."""
    return {key: merged(value, locals_) for key, value in locals_["services"].items()}


@pytest.fixture(scope="module")
def services(modules, service_entries) -> dict[str, dict[str, Any]]:
    """The ECS service module calls by service (the migrate task definition included), with
    module.service's for_each instances as the calls they stand for."""
    found = {}
    for name, module in modules.items():
        if attr(module, "source") != SERVICE_MODULE:
            continue
        if "for_each" in module:
            assert attr(module, "for_each") == "${local.services}", name
            found.update(instances(module, service_entries))
        else:
            found[name] = module
    return found


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
            assert arns in (None, []), name  # the module's default: no parameter
            assert attr(service, "task_exec_iam_statements") is None, name
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
    uploads = named(tf, "module")["uploads_bucket"]
    assert attr(uploads, "source") == BUCKET_MODULE
    assert attr(uploads, "versioning") == {"enabled": True}
    rule = attr(uploads, "server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": "${aws_kms_key.main.arn}",
    }
    assert rule["bucket_key_enabled"] is True
    for setting in ("acls", "policy"):
        assert attr(uploads, f"block_public_{setting}") is True, setting
    assert attr(uploads, "ignore_public_acls") is True
    assert attr(uploads, "restrict_public_buckets") is True


def test_both_buckets_are_private_versioned_tls_only_and_expire_what_they_keep(tf, modules):
    # What checkov checked on the hand-built buckets and cannot see inside the registry module
    # offline (it is not downloaded): public access blocked, ACLs off, versioning, encryption,
    # lifecycle, access logs, a policy that denies plain HTTP.
    buckets = {k: m for k, m in modules.items() if attr(m, "source") == BUCKET_MODULE}
    assert set(buckets) == {"uploads_bucket", "logs_bucket"}
    policies = resources(tf, "data", "aws_iam_policy_document")
    for name, bucket in buckets.items():
        assert re.fullmatch(r"~> 5\.\d+", attr(bucket, "version")), name
        for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls"):
            assert attr(bucket, setting) is True, (name, setting)
        assert attr(bucket, "restrict_public_buckets") is True, name
        assert attr(bucket, "control_object_ownership") is True, name
        assert attr(bucket, "object_ownership") == "BucketOwnerEnforced", name
        assert attr(bucket, "versioning") == {"enabled": True}, name
        (rule,) = attr(bucket, "lifecycle_rule")
        assert rule["enabled"] is True and rule["abort_incomplete_multipart_upload_days"], name
        assert rule["noncurrent_version_expiration"]["noncurrent_days"], name
        assert attr(bucket, "attach_policy") is True, name
        policy = REFERENCE.match(attr(bucket, "policy")).group(1)
        document = policies[policy.removeprefix("data.aws_iam_policy_document.").split(".")[0]]
        deny = {attr(s, "sid"): s for s in document["statement"]}["DenyInsecureTransport"]
        assert attr(deny, "effect") == "Deny" and attr(deny, "actions") == ["s3:*"], name
        assert attr(deny, "resources") == [
            f"${{module.{name}.s3_bucket_arn}}",
            f"${{module.{name}.s3_bucket_arn}}/*",
        ]
        (condition,) = deny["condition"]
        assert attr(condition, "variable") == "aws:SecureTransport", name
        assert attr(condition, "values") == ["false"], name
    # The load balancer's logs only take SSE-S3; the uploads' access logs go to the log bucket.
    logs = buckets["logs_bucket"]
    encryption = attr(logs, "server_side_encryption_configuration")["rule"]
    assert encryption["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    assert attr(logs, "lifecycle_rule")[0]["expiration"] == {
        "days": "${var.access_log_retention_days}"
    }
    assert attr(buckets["uploads_bucket"], "logging") == {
        "target_bucket": "${module.logs_bucket.s3_bucket_id}",
        "target_prefix": "s3/uploads/",
    }
    assert "logging" not in logs


# -- images, GitHub --------------------------------------------------------------------------------


def test_images_are_immutable_scanned_and_expire(tf):
    repositories = resources(tf, "resource", "aws_ecr_repository")
    assert repositories
    for name, repository in repositories.items():
        assert attr(repository, "image_tag_mutability") == "IMMUTABLE", name
        assert attr(attr(repository, "image_scanning_configuration"), "scan_on_push") is True, name
    policies = resources(tf, "resource", "aws_ecr_lifecycle_policy")
    assert [attr(p, "for_each") for p in policies.values()] == ["${aws_ecr_repository.this}"]


def test_the_github_roles_are_one_map(tf, locals_):
    roles = locals_["github_roles"]
    assert set(roles) == {"deploy", "terraform-plan", "terraform-apply"}
    assert roles["deploy"]["create"] is True
    for key in ("terraform-plan", "terraform-apply"):
        assert roles[key]["create"] == "${var.create_terraform_ci_roles}", key
    assert roles["terraform-plan"]["subjects"] == ["repo:${var.github_repository}:pull_request"]
    assert roles["terraform-apply"]["subjects"] == [
        "repo:${var.github_repository}:environment:${var.github_terraform_environment}"
    ]
    role = resources(tf, "resource", "aws_iam_role")["github"]
    trust = resources(tf, "data", "aws_iam_policy_document")["github_assume"]
    for block in (role, trust):
        assert attr(block, "for_each") == "${local.github_roles_created}"
    assert "role.create" in locals_["github_roles_created"]
    assert attr(role, "name") == "${local.name}-github-${each.key}"
    assert attr(role, "max_session_duration") == 3600
    # Each permission is attached to its own role of the map.
    attachments = resources(tf, "resource", "aws_iam_role_policy_attachment")
    assert attr(attachments["github_terraform_plan_read_only"], "role") == (
        '${aws_iam_role.github["terraform-plan"].name}'
    )
    assert attr(attachments["github_terraform_apply_admin"], "role") == (
        '${aws_iam_role.github["terraform-apply"].name}'
    )
    policies = resources(tf, "resource", "aws_iam_role_policy")
    assert attr(policies["github_deploy"], "role") == '${aws_iam_role.github["deploy"].id}'


def test_the_deploy_role_trusts_this_repositorys_main_branch_only(tf, locals_):
    trust = resources(tf, "data", "aws_iam_policy_document")["github_assume"]
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
    # Each role's own subjects (its entry of local.github_roles); the deploy role's: main and
    # the production environment.
    assert attr(conditions["${local.github_oidc_url}:sub"], "values") == "${each.value.subjects}"
    assert locals_["github_roles"]["deploy"]["subjects"] == [
        "repo:${var.github_repository}:ref:refs/heads/${var.github_main_branch}",
        "repo:${var.github_repository}:environment:${var.github_deploy_environment}",
    ]
    variables = named(tf, "variable")
    assert attr(variables["github_main_branch"], "default") == "main"
    assert "default" not in variables["github_repository"]
    role = resources(tf, "resource", "aws_iam_role")["github"]
    trust_json = "${data.aws_iam_policy_document.github_assume[each.key].json}"
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


# -- the maps for_each reads, and where the old addresses went -----------------------------------

# The ten alarm blocks monitoring.tf had, as entries: what each measures and when it fires.
ALARM_KINDS = {
    "5xx-rate": (None, None, None, 1, "GreaterThanThreshold", "${var.alarm_5xx_percent}"),
    "api-response-time": (
        "TargetResponseTime",
        "p95",
        300,
        3,
        "GreaterThanThreshold",
        "${var.alarm_response_time_seconds}",
    ),
    "queue-backlog": (
        "${aws_cloudwatch_log_metric_filter.queue_backlog.metric_transformation[0].name}",
        "Maximum",
        300,
        3,
        "GreaterThanThreshold",
        "${var.alarm_queue_backlog}",
    ),
    "database/cpu": ("CPUUtilization", "Average", 300, 3, "GreaterThanThreshold", 80),
    "database/free-storage": (
        "FreeStorageSpace",
        "Minimum",
        300,
        1,
        "LessThanThreshold",
        "${2 * 1024 * 1024 * 1024}",
    ),
    "target_group/unhealthy-hosts": (
        "UnHealthyHostCount",
        "Maximum",
        60,
        5,
        "GreaterThanThreshold",
        0,
    ),
    "target_group/no-healthy-hosts": ("HealthyHostCount", "Minimum", 60, 3, "LessThanThreshold", 1),
    "service/cpu": ("CPUUtilization", "Average", 300, 3, "GreaterThanThreshold", 85),
    "service/memory": ("MemoryUtilization", "Maximum", 300, 3, "GreaterThanThreshold", 85),
    "service/not-running": ("RunningTaskCount", "Minimum", 60, 3, "LessThanThreshold", 1),
}


def alarm_entries(locals_: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ten kinds of alarm by name: the deployment's own, then "<kind of subject>/<key>"."""
    entries = dict(locals_["deployment_alarms"])
    for family, kinds in locals_["repeated_alarms"].items():
        entries.update({f"{family}/{kind}": alarm for kind, alarm in kinds.items()})
    return entries


def alarm_names(locals_: dict[str, Any]) -> set[str]:
    """The keys of local.alarms (each alarm's name after "<name>-"), as Terraform makes them."""
    # The subjects' names, from the literal lists and maps the expressions go over.
    groups = re.search(r"for key in \[(.*?)\]", locals_["target_group_dimensions"]).group(1)
    subjects = {
        "target_group": re.findall(r"'(\w+)'", groups),
        "service": re.findall(r"'(\w+)': '\$\{local\.name\}-\1'", locals_["monitored_services"]),
        "database": list(locals_["alarm_subjects"]["database"]),
    }
    assert set(subjects) == set(locals_["alarm_subjects"]) == set(locals_["repeated_alarms"])
    repeated = {
        f"{subject}-{kind}"
        for family, kinds in locals_["repeated_alarms"].items()
        for kind in kinds
        for subject in subjects[family]
    }
    return set(locals_["deployment_alarms"]) | repeated


def test_the_alarms_are_one_resource_over_a_map_of_the_ten_kinds(tf, locals_, alb):
    entries = alarm_entries(locals_)
    assert set(entries) == set(ALARM_KINDS)
    assert len(entries) == 10
    defaults = locals_["alarm_defaults"]
    for kind, expected in ALARM_KINDS.items():
        alarm = {**defaults, **entries[kind]}
        statistic = alarm["statistic"] or alarm["extended_statistic"]
        found = (alarm["metric_name"], statistic, alarm["period"], alarm["evaluation_periods"])
        found += (alarm["comparison_operator"], alarm["threshold"])
        assert found == expected, kind
    # Missing data alarms only where it means the thing is gone; the health check waits for 3
    # bad minutes of 5.
    missing = {kind: {**defaults, **alarm}["treat_missing_data"] for kind, alarm in entries.items()}
    assert {kind for kind, value in missing.items() if value == "breaching"} == {
        "target_group/no-healthy-hosts",
        "service/not-running",
    }
    assert entries["target_group/unhealthy-hosts"]["datapoints_to_alarm"] == 3
    # The error rate is metric math over the load balancer's 5-minute sums.
    math = entries["5xx-rate"]["metric_math"]
    assert set(math["metrics"]) == {"requests", "target5xx", "elb5xx"}
    assert (math["stat"], math["period"]) == ("Sum", 300)
    assert "IF(requests >= 20" in math["expression"]
    # 21 alarms: 3 of the deployment, 2 per target group, 3 per ECS service (Chroma's
    # included), 2 of the database.
    names = alarm_names(locals_)
    assert len(names) == 21
    assert {"api-unhealthy-hosts", "frontend-no-healthy-hosts", "chroma-not-running"} <= names
    assert {"database-cpu", "database-free-storage"} <= names
    assert {"api", "frontend"} == set(attr(alb, "target_groups"))
    (alarm,) = resources(tf, "resource", "aws_cloudwatch_metric_alarm").values()
    assert attr(alarm, "for_each") == "${local.alarms}"
    assert attr(alarm, "alarm_name") == "${local.name}-${each.key}"
    assert attr(alarm, "alarm_actions") == attr(alarm, "ok_actions") == "${local.alarm_actions}"
    assert locals_["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_the_deployed_services_are_one_module_call_over_a_map(modules, locals_, service_entries):
    assert set(locals_["services"]) == {"api", "worker", "frontend"}
    for key, value in locals_["services"].items():
        assert LOCAL.findall(value) == ["service_defaults", f"{key}_service"], key
    service = modules["service"]
    assert attr(service, "name") == "${local.name}-${each.key}"
    # What the three share, written once: CI owns the task revisions; a new task is healthy
    # before an old one stops, and a failed rollout rolls back.
    assert attr(service, "ignore_task_definition_changes") is True
    assert attr(service, "deployment_circuit_breaker") == {"enable": True, "rollback": True}
    assert attr(service, "deployment_minimum_healthy_percent") == 100
    assert attr(service, "deployment_maximum_percent") == 200
    assert attr(service, "propagate_tags") == "SERVICE"
    # Every entry has exactly the keys the call reads, and one container named after it.
    read = {m.group(1) for name in service if (m := EACH_VALUE.match(str(attr(service, name))))}
    for key, entry in service_entries.items():
        assert set(entry) == read, (key, set(entry) ^ read)
        assert set(entry["container_definitions"]) == {key}
    # Chroma (stateful, one task) and migrate (no service) stay calls of their own.
    assert attr(modules["chroma"], "desired_count") == 1
    assert attr(modules["migrate"], "create_service") is False


ADDRESS = re.compile(r'^(module\.\w+|\w+\.\w+)(?:\[(?:"([^"]+)"|\d+)\])?(?:\.(.+))?$')


def test_moved_blocks_take_every_old_address_to_a_declared_one(tf, modules, locals_):
    declared = {
        f"{rtype}.{name}"
        for block in tf["resource"]
        for rtype, bodies in block.items()
        for name in bodies
    }
    keys = {
        "aws_cloudwatch_metric_alarm.this": alarm_names(locals_),
        "aws_iam_role.github": set(locals_["github_roles"]),
        "module.service": set(locals_["services"]),
    }
    targets: dict[str, set[str]] = {}
    for block in tf["moved"]:
        old = ADDRESS.match(REFERENCE.match(attr(block, "from")).group(1))
        new = ADDRESS.match(REFERENCE.match(attr(block, "to")).group(1))
        assert old and new, block
        # The old block is gone from the configuration.
        assert old.group(1) not in declared and old.group(1).removeprefix("module.") not in modules
        if new.group(3):  # into a registry module: the same resource type, its one instance
            assert attr(modules[new.group(1).removeprefix("module.")], "source") == BUCKET_MODULE
            assert new.group(3) == f"{old.group(1).split('.')[0]}.this[0]"
            continue
        base = new.group(1)
        assert base in declared or base.removeprefix("module.") in modules, base
        if base.startswith("aws_"):
            assert base.split(".")[0] == old.group(1).split(".")[0], block  # same type
        assert new.group(2) in keys[base], (base, new.group(2))
        targets.setdefault(base, set()).add(new.group(2))
    # Every instance of the maps has an old address moved to it.
    assert targets == keys
    # Both buckets: every resource the hand-built ones had (only the uploads log their access).
    into = [REFERENCE.match(attr(block, "to")).group(1) for block in tf["moved"]]
    assert len([a for a in into if a.startswith("module.uploads_bucket.")]) == 8
    assert len([a for a in into if a.startswith("module.logs_bucket.")]) == 7
