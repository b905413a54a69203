"""The StreamFlix stack: composes one construct per concern, in dependency order."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from lib.config import StackConfig
from lib.constructs.database import Database
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.firewall import Firewall
from lib.constructs.ingestion import Ingestion
from lib.constructs.network import Network
from lib.constructs.outputs import publish_outputs
from lib.context import StackContext
from lib.naming import Namer


class StreamflixStack(TerraformStack):
    def __init__(self, scope: Construct, config: StackConfig):
        super().__init__(scope, config.stack_name)
        self.config = config
        self._backend(config)
        AwsProvider(self, "aws", region=config.region, allowed_account_ids=None,
                    default_tags=[AwsProviderDefaultTags(tags=config.required_tags())])
        identity = DataAwsCallerIdentity(self, "current")
        ctx = StackContext(config=config, namer=Namer(config.environment_suffix),
                           account_id=identity.account_id)
        self.ctx = ctx

        self.keys = EncryptionKeys(self, "encryption", ctx)
        self.network = Network(self, "network", ctx, self.keys)
        self.firewall = Firewall(self, "firewall", ctx, self.network.vpc.id)
        self.network.add_endpoints(self.firewall.endpoints.id)
        self.firewall.allow_workers_to_prefix_list(
            "workers_to_s3", self.network.s3_endpoint.prefix_list_id,
            "Workers read uploads through the S3 gateway endpoint")
        self.ingestion = Ingestion(self, "ingestion", ctx, self.keys)
        self.database = Database(self, "database", ctx, self.keys,
                                 [s.id for s in self.network.private_subnets],
                                 self.firewall.database.id)
        publish_outputs(self)
        self.keys.finalize()

    def _backend(self, config: StackConfig) -> None:
        b = config.backend
        if b.kind == "s3":
            backend = S3Backend(
                self, bucket=b.s3_bucket, region=b.s3_region, encrypt=True,
                key=f"{b.s3_key_prefix}/{config.environment_suffix}/terraform.tfstate",
                dynamodb_table=b.s3_dynamodb_table or None)
            if not b.s3_dynamodb_table:
                # S3-native state locking (Terraform >= 1.10); cdktf 0.21 has no typed field.
                backend.add_override("use_lockfile", True)
        else:
            LocalBackend(self, path=f"terraform.{config.stack_name}.tfstate")
