"""Application Auto Scaling of the worker service (the thresholds are explained in docs/runtime.md).

Two signals, because each answers a different question:

* **Lag** (``GetRecords.IteratorAgeMilliseconds``, step scaling): are records waiting? Scale out
  in steps when the oldest record is older than half the operator alarm's threshold (so scaling
  acts before anyone is paged); scale in one task at a time when the stream has been idle.
  Lag does not fall in proportion to tasks added, so it must not drive target tracking.
* **Load per task** (target tracking): incoming records per running task, by metric math. It
  falls as tasks are added, which is what target tracking needs to converge.

Capacity stays between ``worker.min_tasks`` and ``worker.max_tasks``, which defaults to the
stream's shard count: a shard is read by one worker at a time, so more tasks would sit idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyStepScalingPolicyConfiguration,
    AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetrics,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStat,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStatMetric,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStatMetricDimensions,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

from lib.config import ConfigError, StackConfig, Violation
from lib.constructs.alarms import AlarmSpec, Metric, build_alarm
from lib.constructs.compute import Compute
from lib.context import StackContext

SCALABLE_DIMENSION = "ecs:service:DesiredCount"
ITERATOR_AGE = "GetRecords.IteratorAgeMilliseconds"
SCALE_OUT_EVALUATION_MINUTES = 3  # a sustained backlog, not one slow batch
SCALE_OUT_COOLDOWN_S = 120  # a Fargate task starts and takes a shard lease in ~1-2 minutes
IDLE_LAG_MS = 1_000  # "caught up": the oldest record read is under a second old
IDLE_MINUTES = 15  # idle that long before giving a task back
SCALE_IN_COOLDOWN_S = 300
# Records per running task per minute that target tracking aims at. A starting point: about
# 70% of one task's measured throughput (60,000 / p50 ProcessingLatency ms); tune from the
# dashboard's ProcessingLatency once real traffic flows.
TARGET_RECORDS_PER_TASK_PER_MINUTE = 300.0
TARGET_SCALE_IN_COOLDOWN_S = 600


@dataclass(frozen=True)
class ScalingBounds:
    min_tasks: int
    max_tasks: int


def scaling_bounds(cfg: StackConfig, max_consumers: int) -> ScalingBounds:
    """min/max tasks; max defaults to the shard count. Refuses a minimum above that default.
    Before the image is published both are 0, so no policy starts tasks that cannot pull it;
    raising the minimum later makes Application Auto Scaling raise the service's count into
    the new range (Application Auto Scaling API Reference, RegisterScalableTarget)."""
    worker = cfg.worker
    maximum = worker.max_tasks if worker.max_tasks is not None else max_consumers
    if maximum < worker.min_tasks:
        raise ConfigError(
            [
                Violation(
                    "STREAMFLIX_WORKER_MIN_TASKS",
                    str(worker.min_tasks),
                    f"must be <= the maximum tasks ({maximum}: the stream's open shards, since "
                    "STREAMFLIX_WORKER_MAX_TASKS is auto); more consumers than shards would sit idle",
                )
            ]
        )
    if not worker.image_published:
        return ScalingBounds(0, 0)
    return ScalingBounds(worker.min_tasks, maximum)


@dataclass(frozen=True)
class Step:
    """Add ``change`` tasks while lag exceeds the threshold by [lower, upper) ms."""

    lower: float | None
    upper: float | None
    change: int


def lag_steps(threshold_ms: float) -> tuple[Step, ...]:
    """Bigger backlogs add more tasks at once: +1, then +2 past 2x, +4 past 4x the threshold."""
    return (
        Step(0, threshold_ms, 1),
        Step(threshold_ms, 3 * threshold_ms, 2),
        Step(3 * threshold_ms, None, 4),
    )


def scale_out_lag_ms(cfg: StackConfig) -> int:
    """Half the operator alarm's threshold: scaling reacts before a person is paged."""
    return cfg.alarms.iterator_age_ms // 2


class WorkerScaling(Construct):
    """Application Auto Scaling of the worker service between the configured bounds: step
    scaling out on stream lag (iterator age) and in when idle, each on its own alarm, plus
    target tracking on incoming records per task (a metric that falls as tasks are added).

    Inputs: ``ctx`` (``ctx.config``: task bounds, lag alarm threshold), ``compute`` (the
    worker cluster and service), ``stream_name`` (the metrics' stream) and ``max_consumers``
    (the shards the stream starts with: never more workers than shards).
    """

    bounds: ScalingBounds
    """The scalable target's minimum and maximum tasks."""
    target: AppautoscalingTarget
    """The worker service's desired count as a scalable target."""
    scale_out: AppautoscalingPolicy
    """Step scaling out: more tasks the older the oldest unread record."""
    lag_alarm: CloudwatchMetricAlarm
    """Starts ``scale_out`` (a scaling signal, not a page)."""
    scale_in: AppautoscalingPolicy
    """Step scaling in: one task fewer per cooldown."""
    idle_alarm: CloudwatchMetricAlarm
    """Starts ``scale_in`` once the workers have been caught up for a while."""
    target_tracking: AppautoscalingPolicy
    """Target tracking on incoming records per task per minute."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        compute: Compute,
        *,
        stream_name: str,
        max_consumers: int,
    ):
        super().__init__(scope, id_)
        self.bounds = scaling_bounds(ctx.config, max_consumers)
        self.target = self._target(compute)
        lag = Metric("AWS/Kinesis", ITERATOR_AGE, {"StreamName": stream_name}, "Maximum")
        self.scale_out, self.lag_alarm = self._scale_out_on_lag(ctx, lag)
        self.scale_in, self.idle_alarm = self._scale_in_when_idle(ctx, lag)
        self.target_tracking = self._track_records_per_task(ctx, compute, stream_name)

    def _target(self, compute: Compute) -> AppautoscalingTarget:
        cluster_name, service_name = compute.cluster_name, compute.service_name
        return AppautoscalingTarget(
            self,
            "target",
            service_namespace="ecs",
            resource_id=f"service/{cluster_name}/{service_name}",
            scalable_dimension=SCALABLE_DIMENSION,
            min_capacity=self.bounds.min_tasks,
            max_capacity=self.bounds.max_tasks,
            depends_on=[compute.service],
        )

    def _scale_out_on_lag(
        self, ctx: StackContext, lag: Metric
    ) -> tuple[AppautoscalingPolicy, CloudwatchMetricAlarm]:
        names = ctx.namer
        threshold = scale_out_lag_ms(ctx.config)
        policy = self._step_policy(
            "scale_on_lag",
            names.name("scale-on-lag"),
            SCALE_OUT_COOLDOWN_S,
            [
                AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment(
                    metric_interval_lower_bound=_bound(s.lower),
                    metric_interval_upper_bound=_bound(s.upper),
                    scaling_adjustment=s.change,
                )
                for s in lag_steps(threshold)
            ],
        )
        alarm = build_alarm(
            self,
            "lag_high_alarm",
            ctx,
            AlarmSpec(
                component="alarm-lag-high",
                description=(
                    f"Scaling signal, not a page: the oldest unread record is over "
                    f"{threshold} ms old for {SCALE_OUT_EVALUATION_MINUTES} minutes, so "
                    "workers are added. Operators watch alarm-iterator-age instead."
                ),
                comparison="GreaterThanThreshold",
                threshold=threshold,
                metric=lag,
                evaluation_periods=SCALE_OUT_EVALUATION_MINUTES,
            ),
            actions=[policy.arn],
        )
        return policy, alarm

    def _scale_in_when_idle(
        self, ctx: StackContext, lag: Metric
    ) -> tuple[AppautoscalingPolicy, CloudwatchMetricAlarm]:
        names = ctx.namer
        policy = self._step_policy(
            "scale_in_idle",
            names.name("scale-in-idle"),
            SCALE_IN_COOLDOWN_S,
            [
                AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment(
                    metric_interval_upper_bound="0", scaling_adjustment=-1
                )
            ],
        )
        alarm = build_alarm(
            self,
            "idle_alarm",
            ctx,
            AlarmSpec(
                component="alarm-idle",
                description=(
                    f"Scaling signal, not a page: workers have been caught up (lag under "
                    f"{IDLE_LAG_MS} ms) for {IDLE_MINUTES} minutes, so one task is removed "
                    "per cooldown, down to the minimum."
                ),
                comparison="LessThanThreshold",
                threshold=IDLE_LAG_MS,
                metric=lag,
                evaluation_periods=IDLE_MINUTES,
            ),
            actions=[policy.arn],
        )
        return policy, alarm

    def _track_records_per_task(
        self, ctx: StackContext, compute: Compute, stream_name: str
    ) -> AppautoscalingPolicy:
        names = ctx.namer
        cluster_name, service_name = compute.cluster_name, compute.service_name
        return self._policy(
            "records_per_task",
            names.name("scale-records-per-task"),
            policy_type="TargetTrackingScaling",
            target_tracking_scaling_policy_configuration=(
                AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=TARGET_RECORDS_PER_TASK_PER_MINUTE,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN_S,
                    scale_in_cooldown=TARGET_SCALE_IN_COOLDOWN_S,
                    customized_metric_specification=_records_per_task(
                        stream_name, cluster_name, service_name
                    ),
                )
            ),
        )

    def _policy(self, id_: str, name: str, **config: Any) -> AppautoscalingPolicy:
        """A scaling policy on this service's scalable target."""
        return AppautoscalingPolicy(
            self,
            id_,
            name=name,
            resource_id=self.target.resource_id,
            scalable_dimension=self.target.scalable_dimension,
            service_namespace=self.target.service_namespace,
            **config,
        )

    def _step_policy(
        self,
        id_: str,
        name: str,
        cooldown: int,
        steps: list[AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment],
    ) -> AppautoscalingPolicy:
        return self._policy(
            id_,
            name,
            policy_type="StepScaling",
            step_scaling_policy_configuration=AppautoscalingPolicyStepScalingPolicyConfiguration(
                adjustment_type="ChangeInCapacity",
                cooldown=cooldown,
                metric_aggregation_type="Maximum",
                step_adjustment=steps,
            ),
        )


def _bound(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


_Spec = AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification
_Query = (
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetrics
)
_Stat = AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStat
_StatMetric = AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStatMetric
_Dimension = AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricsMetricStatMetricDimensions


def _records_per_task(stream_name: str, cluster_name: str, service_name: str) -> _Spec:
    """IncomingRecords (sum per minute) / RunningTaskCount: falls as tasks are added."""

    def stat(qid: str, namespace: str, name: str, dims: dict[str, str], statistic: str) -> _Query:
        return _Query(
            id=qid,
            return_data=False,
            metric_stat=_Stat(
                stat=statistic,
                metric=_StatMetric(
                    namespace=namespace,
                    metric_name=name,
                    dimensions=[_Dimension(name=k, value=v) for k, v in dims.items()],
                ),
            ),
        )

    return _Spec(
        metrics=[
            stat("records", "AWS/Kinesis", "IncomingRecords", {"StreamName": stream_name}, "Sum"),
            stat(
                "tasks",
                "ECS/ContainerInsights",
                "RunningTaskCount",
                {"ClusterName": cluster_name, "ServiceName": service_name},
                "Average",
            ),
            _Query(
                id="records_per_task",
                expression="records / tasks",
                return_data=True,
                label="Incoming records per running worker task",
            ),
        ]
    )
