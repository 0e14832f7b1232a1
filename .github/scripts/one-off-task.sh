#!/usr/bin/env bash
# Run a one-off ECS task (a registered task definition with its command overridden), wait for it
# to stop, and fail unless its container exited 0. Used by the deploy workflow for
# `chatgepeto migrate` and `chatgepeto reindex`.
#
# Usage: one-off-task.sh TASK_DEFINITION_ARN CONTAINER COMMAND...
# Environment: ECS_CLUSTER; SUBNETS and SECURITY_GROUPS (comma-separated ids); GITHUB_SHA.
set -euo pipefail
task_definition="$1"
container="$2"
shift 2
network="$(jq -nc --arg subnets "$SUBNETS" --arg groups "$SECURITY_GROUPS" '{
  awsvpcConfiguration: {
    subnets: ($subnets | split(",") | map(gsub("\\s"; "")) | map(select(. != ""))),
    securityGroups: ($groups | split(",") | map(gsub("\\s"; "")) | map(select(. != ""))),
    assignPublicIp: "DISABLED"}}')"
overrides="$(jq -nc --arg name "$container" '{containerOverrides: [{name: $name, command: $ARGS.positional}]}' \
  --args "$@")"
task="$(aws ecs run-task --cluster "$ECS_CLUSTER" --launch-type FARGATE \
  --task-definition "$task_definition" --network-configuration "$network" \
  --overrides "$overrides" --started-by "deploy-${GITHUB_SHA:0:12}" \
  --query 'tasks[0].taskArn' --output text)"
if [ -z "$task" ] || [ "$task" = None ]; then
  echo "::error::run-task started no task for: $*"
  exit 1
fi
echo "$*: task $task"
# One `wait tasks-stopped` gives up after 10 minutes; allow 20 (image pull + the work).
for _ in 1 2; do
  aws ecs wait tasks-stopped --cluster "$ECS_CLUSTER" --tasks "$task" && break
done
exit_code="$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" \
  --query "tasks[0].containers[?name=='$container'] | [0].exitCode" --output text)"
reason="$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" \
  --query 'tasks[0].stoppedReason' --output text)"
echo "$*: exit code $exit_code ($reason)"
if [ "$exit_code" != 0 ]; then
  echo "::error::$* failed (exit code $exit_code: $reason)"
  exit 1
fi
