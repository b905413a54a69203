"""The worker service knobs: Fargate task size, task counts, capacity providers, image, retries."""

from __future__ import annotations

import itertools
import re
from typing import Annotated

from lib.config.base import Section
from lib.config_fields import AutoInteger, AutoText, Boolean, Integer, knob, matching, one_of

# Fargate task sizes: cpu units -> allowed memory (MiB). Source: AWS ECS "task size" table.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

IMAGE_TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _fargate_memory_text() -> str:
    parts = []
    for cpu, sizes in FARGATE_SIZES.items():
        step = sizes[1] - sizes[0]
        regular = all(b - a == step for a, b in itertools.pairwise(sizes))
        span = (
            f"{sizes[0]}-{sizes[-1]} step {step}"
            if regular and len(sizes) > 3
            else ("/".join(map(str, sizes)))
        )
        parts.append(f"cpu {cpu}: {span}")
    return "; ".join(parts)


IMAGE_TAG_RULE = matching(IMAGE_TAG_PATTERN, "1-128 of A-Z a-z 0-9 _ . -, not starting with . or -")


class WorkerConfig(Section):
    cpu: Annotated[Integer, one_of(*FARGATE_SIZES)] = knob("STREAMFLIX_WORKER_CPU", 1024)
    """Worker task CPU units (Fargate sizes)."""
    memory_mib: Integer = knob(
        "STREAMFLIX_WORKER_MEMORY_MIB",
        2048,
        ge=512,
        le=122_880,
        unit="MiB",
        doc=f"Worker task memory; must fit the cpu size ({_fargate_memory_text()}).",
    )
    min_tasks: Integer = knob("STREAMFLIX_WORKER_MIN_TASKS", 1, ge=1, le=1000, unit="tasks")
    """Minimum running worker tasks."""
    max_tasks: AutoInteger = knob("STREAMFLIX_WORKER_MAX_TASKS", None, ge=1, le=1000, unit="tasks")
    """Maximum worker tasks; `auto` = the stream's shard count (never more consumers than
    shards)."""
    fargate_base: Integer = knob("STREAMFLIX_FARGATE_BASE", 1, ge=0, le=100, unit="tasks")
    """Tasks always placed on on-demand FARGATE (they survive Spot shortages)."""
    # Beyond the on-demand base every task goes to Spot (weight 0 on FARGATE): with weights
    # 1:3 ECS may place the second task on FARGATE too.
    fargate_weight: Integer = knob("STREAMFLIX_FARGATE_WEIGHT", 0, ge=0, le=1000)
    """Capacity provider weight of FARGATE beyond the base."""
    fargate_spot_weight: Integer = knob("STREAMFLIX_FARGATE_SPOT_WEIGHT", 1, ge=0, le=1000)
    """Capacity provider weight of FARGATE_SPOT."""
    image_tag: Annotated[AutoText, IMAGE_TAG_RULE] = knob("STREAMFLIX_WORKER_IMAGE_TAG", None)
    """Tag of the worker image in the stack's ECR repository; `auto` = `src-<digest>` of worker/
    (`.venv/bin/python -m lib.worker_image` prints it), so a new tag appears exactly when the
    worker changes (tags are immutable)."""
    # False by default (issue 20): a new environment's repository holds no image yet, so a plain
    # `cdktf deploy` starts no task for an image that cannot exist (the circuit breaker would
    # stop the first deployment for good); the deploy after the push (true) lets autoscaling
    # raise the service to min_tasks. The safe path is the default one.
    image_published: Boolean = knob("STREAMFLIX_WORKER_IMAGE_PUBLISHED", False)
    """Whether the worker image tag exists in the repository. `false` (the default, for a new
    environment): the service runs 0 tasks and autoscaling stays at 0. Set `true` in the
    environment file once the image is pushed (scripts/first_deploy.sh does both stages)."""
    enable_exec: Boolean = knob("STREAMFLIX_ECS_EXEC", False)
    """Enable ECS Exec (logged and encrypted) on worker tasks."""

    @property
    def running_min_tasks(self) -> int:
        """Tasks the service keeps at least: none until the image it names exists."""
        return self.min_tasks if self.image_published else 0


class RetryConfig(Section):
    max_attempts: Integer = knob("STREAMFLIX_RETRY_MAX_ATTEMPTS", 5, ge=1, le=20, unit="attempts")
    """Attempts per job before it is dead-lettered."""
    base_backoff_ms: Integer = knob(
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS", 200, ge=10, le=60_000, unit="ms"
    )
    """Base of the exponential backoff between attempts."""
    max_backoff_ms: Integer = knob(
        "STREAMFLIX_RETRY_MAX_BACKOFF_MS", 20_000, ge=10, le=300_000, unit="ms"
    )
    """Cap of the exponential backoff between attempts."""
