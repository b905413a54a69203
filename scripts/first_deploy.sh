#!/usr/bin/env bash
# First deploy of a new environment, in two stages, so it converges without forcing a new ECS
# deployment by hand (docs/deploying.md, "The first deploy"):
#   1. deploy with STREAMFLIX_WORKER_IMAGE_PUBLISHED=false: the repository is created, the worker
#      service runs 0 tasks and autoscaling is pinned at 0 (no task tries to pull a missing image,
#      so the deployment circuit breaker has nothing to stop);
#   2. build and push the worker image the stack names, run the migrations, build and push the
#      scheduled evidence collector's image (docs/operating-evidence.md);
#   3. deploy with STREAMFLIX_WORKER_IMAGE_PUBLISHED=true: autoscaling's minimum becomes
#      STREAMFLIX_WORKER_MIN_TASKS and Application Auto Scaling raises the service to it;
#   4. publish the deployed design (cdk.tf.json) to the evidence store, which the scheduled
#      collector compares the account with (without it the scheduled run stores nothing).
# Load the environment file first (set -a; . ./qa1.env; set +a). Needs docker, aws, jq, npx.
# Arguments go to both `cdktf deploy` calls: on a host that installs providers from a mirror only
# (no registry), pass --skip-provider-lock (cdktf otherwise runs `terraform providers lock`, which
# ignores mirrors). Safe to run again after a failure: the state lives beside cdktf.out (it
# survives the synth), an image tag already pushed is not pushed again, migrations are idempotent,
# and a design already in force is not published again.
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CHECKPOINT_DISABLE=1
: "${ENVIRONMENT_SUFFIX:?load the environment file first (ENVIRONMENT_SUFFIX is not set)}"
stack="streamflix-${ENVIRONMENT_SUFFIX}"
region="${STREAMFLIX_REGION:-eu-central-1}"
out() { jq -r --arg s "$stack" --arg k "$1" '.[$s][$k] | if type == "array" then join(",") else . end' outputs.json; }

echo "== stage 1: infrastructure, no worker tasks"
STREAMFLIX_WORKER_IMAGE_PUBLISHED=false npx cdktf deploy "$stack" --auto-approve --outputs-file outputs.json "$@"

echo "== stage 2: worker image and schema"
repo="$(out ecr_repository_url)"
tag="${STREAMFLIX_WORKER_IMAGE_TAG:-auto}"
if [ "$tag" = "auto" ]; then tag="$(.venv/bin/python -m lib.worker_image)"; fi
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${repo%%/*}"
if aws ecr describe-images --repository-name "${repo#*/}" --image-ids imageTag="$tag" \
  --region "$region" >/dev/null 2>&1; then
  echo "image ${repo}:${tag} is already in the repository (tags are immutable): not pushed again"
else
  docker build --platform linux/amd64 -f worker/Dockerfile -t "${repo}:${tag}" worker
  docker push "${repo}:${tag}"
fi
task="$(aws ecs run-task --cluster "$(out ecs_cluster_name)" \
  --task-definition "$(out migrate_task_definition_family)" \
  --capacity-provider-strategy capacityProvider=FARGATE,weight=1 \
  --network-configuration "awsvpcConfiguration={subnets=[$(out private_subnet_ids)],securityGroups=[$(out workers_security_group_id)],assignPublicIp=DISABLED}" \
  --started-by "migrate-${ENVIRONMENT_SUFFIX}" --query 'tasks[0].taskArn' --output text)"
aws ecs wait tasks-stopped --cluster "$(out ecs_cluster_name)" --tasks "$task"
code="$(aws ecs describe-tasks --cluster "$(out ecs_cluster_name)" --tasks "$task" \
  --query 'tasks[0].containers[0].exitCode' --output text)"
if [ "$code" != "0" ]; then
  echo "migrations failed (exit code $code); see the worker log group, stream prefix migrate" >&2
  exit 1
fi

echo "== stage 2b: the scheduled evidence collector's image"
# Its own image (build context the repository root), tagged as the stack's task names it; like
# the worker's, a tag already in the repository is not pushed again.
collector_tag="$(.venv/bin/python -m lib.collector_image)"
if aws ecr describe-images --repository-name "${repo#*/}" --image-ids imageTag="$collector_tag" \
  --region "$region" >/dev/null 2>&1; then
  echo "image ${repo}:${collector_tag} is already in the repository: not pushed again"
else
  docker build --platform linux/amd64 -f compliance/collect/Dockerfile -t "${repo}:${collector_tag}" .
  docker push "${repo}:${collector_tag}"
fi

echo "== stage 3: workers on"
STREAMFLIX_WORKER_IMAGE_PUBLISHED=true npx cdktf deploy "$stack" --auto-approve --outputs-file outputs.json "$@"
# Application Auto Scaling raises the desired count to the new minimum shortly after the apply.
for _ in $(seq 60); do
  desired="$(aws ecs describe-services --cluster "$(out ecs_cluster_name)" --services "$(out ecs_service_name)" \
    --query 'services[0].desiredCount' --output text)"
  if [ "$desired" -gt 0 ]; then break; fi
  sleep 5
done
aws ecs wait services-stable --cluster "$(out ecs_cluster_name)" --services "$(out ecs_service_name)"
echo "== stage 4: publish the deployed design to the evidence store"
# cdktf.out/stacks/$stack now holds exactly what stage 3 applied; the bucket is the one the
# collector task writes into, in the account of these credentials.
.venv/bin/python -m compliance.collect.publish_design --stack-dir "cdktf.out/stacks/$stack" \
  --region "$region"
echo "$stack is running"
echo "keep STREAMFLIX_WORKER_IMAGE_PUBLISHED=true in the environment file from now on (the default,"
echo "false, would scale the workers back to 0 on the next deploy)"
