"""The StreamFlix stack: composes one construct per concern, in dependency order."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_session_context import DataAwsIamSessionContext
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from lib.config import StackConfig
from lib.constructs.account_baseline import AccountBaseline
from lib.constructs.audit import Audit
from lib.constructs.collector_role import CollectorRole
from lib.constructs.compute import Compute, WorkerWiring
from lib.constructs.dashboard import Dashboard
from lib.constructs.database import Database
from lib.constructs.db_events import DatabaseEvents
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.evidence import CollectionWiring, EvidenceStore, ScheduledCollection
from lib.constructs.evidence_signing import EvidenceSigningKey
from lib.constructs.failure_handling import FailureHandling
from lib.constructs.firewall import Firewall
from lib.constructs.ingestion import Ingestion
from lib.constructs.monitoring import MonitoredResources, Monitoring
from lib.constructs.network import Network
from lib.constructs.outputs import publish_outputs
from lib.constructs.parts import StackParts
from lib.constructs.registry import Registry
from lib.constructs.scaling import WorkerScaling
from lib.constructs.worker_roles import WorkerAccess
from lib.context import StackContext
from lib.naming import Namer
from lib.state import local_state_path
from lib.worker_contract import WORKER_DB_USER


class StreamflixStack(TerraformStack):
    def __init__(self, scope: Construct, config: StackConfig):
        super().__init__(scope, config.stack_name)
        self.config = config
        self._backend(config)
        AwsProvider(
            self,
            "aws",
            region=config.region,
            allowed_account_ids=None,
            default_tags=[AwsProviderDefaultTags(tags=config.required_tags())],
        )
        identity = DataAwsCallerIdentity(self, "current")
        self.identity = identity
        ctx = StackContext(
            config=config, namer=Namer(config.environment_suffix), account_id=identity.account_id
        )
        self.ctx = ctx

        self.keys = EncryptionKeys(self, "encryption", ctx)
        self.network = Network(self, "network", ctx, self.keys)
        self.firewall = Firewall(self, "firewall", ctx, self.network.vpc.id)
        self.network.add_endpoints(self.firewall.endpoints.id)
        self.firewall.allow_workers_to_prefix_list(
            "workers_to_s3",
            self.network.s3_endpoint.prefix_list_id,
            "Workers read uploads through the S3 gateway endpoint",
        )
        self.ingestion = Ingestion(self, "ingestion", ctx, self.keys)
        self.database = Database(
            self,
            "database",
            ctx,
            self.keys,
            [s.id for s in self.network.private_subnets],
            self.firewall.database.id,
        )
        self._evidence_store(ctx)
        self._workers(ctx)
        # signs the collector's runtime evidence (issue 21); roles get kms:Sign via grant_sign
        self.evidence_signing = EvidenceSigningKey(self, "evidence_signing", ctx)
        self.account_baseline = AccountBaseline(self, "account_baseline", ctx)  # opt-in knobs
        if config.collector.principal_arn:  # operating evidence (issue 13)
            self.collector = CollectorRole(self, "collector", ctx, config.collector.principal_arn)
            self.evidence_signing.grant_sign(self.collector.role.arn)
        self._scheduled_collection(ctx, signing_key_arn=self.evidence_signing.arn)
        self.evidence_signing.grant_sign(self.scheduled_collection.task_role.arn)
        publish_outputs(self, self.parts)
        self.keys.finalize()
        self.evidence_signing.finalize()

    def _workers(self, ctx: StackContext) -> None:
        """Workers, where their failures go, what watches them, and the audit trail."""
        ing, db, keys = self.ingestion, self.database, self.keys
        self.registry = Registry(self, "registry", ctx, keys)
        self.failures = FailureHandling(self, "failure_handling", ctx, keys)
        self.compute = Compute(
            self,
            "compute",
            ctx,
            keys,
            image=self.registry.image,
            wiring=WorkerWiring(
                stream_name=ing.stream.name,
                uploads_bucket=ing.uploads.name,
                db_secret_arn=db.secret_arn,
                db_host=db.writer_endpoint,
                db_port=db.port,
                db_name=db.database_name,
                dlq_url=self.failures.dlq.url,
                alert_topic_arn=self.failures.topic_arn,
            ),
            access=WorkerAccess(
                region=ctx.region,
                stream_arn=ing.stream.arn,
                uploads_bucket_arn=ing.uploads.arn,
                secret_arn=db.secret_arn,
                data_key_arn=keys.data.arn,
                dlq_arn=self.failures.dlq.arn,
                topic_arn=self.failures.topic_arn,
                db_user_arn=db.connect_resource_arn(ctx, WORKER_DB_USER),
                repository_arn=self.registry.repository.arn,
            ),
            subnet_ids=[s.id for s in self.network.private_subnets],
            security_group_id=self.firewall.workers.id,
            network_ready=self.network.endpoints,
        )
        self.scaling = WorkerScaling(
            self,
            "scaling",
            ctx,
            self.compute,
            stream_name=ctx.namer.name("kinesis"),
            max_consumers=ing.max_consumers,
        )
        monitored = MonitoredResources(
            stream_name=ctx.namer.name("kinesis"),
            dlq_name=ctx.namer.name("dlq"),
            cluster_name=self.compute.cluster_name,
            service_name=self.compute.service_name,
            db_cluster_id=ctx.namer.name("db"),
            secret_arn=db.secret_arn,
        )
        self.monitoring = Monitoring(
            self,
            "monitoring",
            ctx,
            keys,
            monitored,
            self.failures.topic_arn,
            extra_topics=self.failures.alert_topics[1:],
            topic_policies=[self.failures.topic_policy],
        )
        self.db_events = DatabaseEvents(
            self,
            "db_events",
            ctx,
            topic_arn=self.failures.topic_arn,
            cluster_id=db.cluster.cluster_identifier,
            instance_ids=[i.identifier for i in db.instances],
        )
        self.dashboard = Dashboard(self, "dashboard", ctx, monitored)
        self.audit = Audit(
            self,
            "audit",
            ctx,
            keys,
            access_log_bucket=ing.access_logs,
            uploads_bucket_arn=ing.uploads.arn,
            stream_arn=ing.stream.arn,
            topic_arn=self.failures.topic_arn,
            extra_topics=self.failures.alert_topics[1:],
            evidence_bucket_arn=self.evidence_store.arn,
        )

    def _evidence_store(self, ctx: StackContext) -> None:
        """The WORM evidence store (issue 22); before the trail, which records its objects."""
        # The role (not the session) that deploys: aws:PrincipalArn of an assumed-role session
        # is its role ARN, which the store's policy lets remove evidence (destroy does).
        deployer = DataAwsIamSessionContext(self, "deployer", arn=self.identity.arn)
        self.evidence_store = EvidenceStore(
            self,
            "evidence",
            ctx,
            self.keys,
            access_log_bucket=self.ingestion.access_logs,
            deployer_arn=deployer.issuer_arn,
        )

    def _scheduled_collection(self, ctx: StackContext, signing_key_arn: str | None = None) -> None:
        """The scheduled collector task writing into the store (issue 22). ``signing_key_arn``:
        issue 21's evidence-signing key ARN; when given, the task role may kms:Sign with it and
        the task is told its ARN (SFX_EVIDENCE_KMS_KEY)."""
        self.firewall.allow_workers_to_prefix_list(
            "collector_to_s3",
            self.network.s3_endpoint.prefix_list_id,
            "Collector writes evidence through the S3 gateway endpoint",
            source=self.firewall.collector.id,
        )
        self.scheduled_collection = ScheduledCollection(
            self,
            "collection",
            ctx,
            self.keys,
            CollectionWiring(
                cluster_arn=self.compute.cluster.arn,
                repository_url=self.registry.repository.repository_url,
                repository_arn=self.registry.repository.arn,
                subnet_ids=[s.id for s in self.network.private_subnets],
                security_group_id=self.firewall.collector.id,
                store=self.evidence_store,
                topic_arns=self.failures.alert_topics,
                signing_key_arn=signing_key_arn,
                network_ready=self.network.endpoints,
            ),
        )

    @property
    def parts(self) -> StackParts:
        """The built constructs, for readers (outputs) that must not import the stack."""
        return StackParts(
            keys=self.keys,
            network=self.network,
            firewall=self.firewall,
            ingestion=self.ingestion,
            database=self.database,
            registry=self.registry,
            failures=self.failures,
            compute=self.compute,
            audit=self.audit,
            dashboard=self.dashboard,
            evidence_signing=self.evidence_signing,
        )

    def _backend(self, config: StackConfig) -> None:
        b = config.backend
        if b.kind == "s3":
            backend = S3Backend(
                self,
                bucket=b.s3_bucket,
                region=b.s3_region,
                encrypt=True,
                key=f"{b.s3_key_prefix}/{config.environment_suffix}/terraform.tfstate",
                dynamodb_table=b.s3_dynamodb_table or None,
            )
            if not b.s3_dynamodb_table:
                # S3-native state locking (Terraform >= 1.10); cdktf 0.21 has no typed field.
                backend.add_override("use_lockfile", True)
        else:
            LocalBackend(self, path=local_state_path(config.stack_name))
