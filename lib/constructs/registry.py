"""The worker image repository: scanned on push, immutable tags, encrypted with our data key.

Immutable tags make ``<repo>:<tag>`` mean one image forever, so the task definition pins what
runs. The lifecycle policy bounds storage: untagged layers go after a day, and only the newest
tagged images are kept (enough to roll back). ``force_delete`` lets ``cdktf destroy`` finish.
"""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from lib.constructs.encryption import EncryptionKeys
from lib.context import StackContext
from lib.worker_image import source_tag

UNTAGGED_EXPIRY_DAYS = 1
TAGGED_IMAGES_KEPT = 30


def lifecycle_policy() -> str:
    rules: list[dict[str, Any]] = [
        {
            "rulePriority": 1,
            "description": f"Expire untagged images after {UNTAGGED_EXPIRY_DAYS} day",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": UNTAGGED_EXPIRY_DAYS,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Keep the newest {TAGGED_IMAGES_KEPT} images (rollback window)",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": TAGGED_IMAGES_KEPT,
            },
            "action": {"type": "expire"},
        },
    ]
    return json.dumps({"rules": rules})


class Registry(Construct):
    """The worker image repository: scanned on push, immutable tags, encrypted with the data key,
    a lifecycle policy, force-deletable.

    Inputs: ``ctx`` (names, ``STREAMFLIX_WORKER_IMAGE_TAG``) and ``keys`` (the data key).
    """

    repository: EcrRepository
    """The repository (``image`` is ``<repository url>:<image_tag>``)."""
    image_tag: str
    """The configured tag, or ``src-<digest>`` of worker/ when ``auto``."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, keys: EncryptionKeys):
        super().__init__(scope, id_)
        self.repository = EcrRepository(
            self,
            "repository",
            name=ctx.namer.name("worker-images"),
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[
                EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=keys.data.arn)
            ],
            force_delete=True,
        )
        EcrLifecyclePolicy(
            self, "lifecycle", repository=self.repository.name, policy=lifecycle_policy()
        )
        self.image_tag = ctx.config.worker.image_tag or source_tag()

    @property
    def image(self) -> str:
        """``<repository url>:<tag>``: what the task definitions run."""
        return f"{self.repository.repository_url}:{self.image_tag}"
