"""Issue 20 item 5: the collector reads what Terraform really creates.

Run against the emulated account, the collector reported "does not exist" for the flow log that
``aws_flow_log`` had created (with a destination ARN, no log-group name) and an ``error`` for an
idle stream's lag. Both are decided now: the flow log is found by the VPC's resource id, and no
datapoints is no lag (insufficient data, not an error).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from compliance.collect import workers
from compliance.collect.context import Context
from compliance.collect.design import Design
from simulation.account import ACCOUNT_ID, SimulatedAccount
from tests.compliance.collect.conftest import Collect, MotoEndpoint, session


def _item(run_collector: Collect, account: SimulatedAccount, check_id: str) -> object:
    return next(i for i in run_collector(account).evidence.items if i.check_id == check_id)


def test_a_flow_log_created_with_a_destination_arn_is_found_by_its_vpc(
    account: SimulatedAccount, design: Design, run_collector: Collect
) -> None:
    ec2 = account.client("ec2")
    ec2.delete_flow_logs(FlowLogIds=[account.ids["flow_log"]])
    # What the AWS provider sends for aws_flow_log with log_destination (no LogGroupName).
    ec2.create_flow_logs(
        ResourceIds=[account.ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=f"arn:aws:logs:{design.region}:{ACCOUNT_ID}:log-group:{design.flow_log_group}",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT_ID}:role/sim-flow-logs",
    )
    item = _item(run_collector, account, "network.flow-log")
    # Found, and delivering to the designed group. (moto 5.2.5 reports DeliverLogsStatus FAILED,
    # "Access error", for a destination ARN: it resolves only LogGroupName. AWS resolves both.)
    assert item.observed["LogGroupName"] == design.flow_log_group  # type: ignore[attr-defined]
    assert item.observed["FlowLogStatus"] == "ACTIVE"  # type: ignore[attr-defined]
    assert ":vpc-flow-log/fl-" in item.resource_arn  # type: ignore[attr-defined]


def test_a_flow_log_of_another_vpc_does_not_count(
    account: SimulatedAccount, run_collector: Collect
) -> None:
    ec2 = account.client("ec2")
    ec2.delete_flow_logs(FlowLogIds=[account.ids["flow_log"]])
    other = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[other],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="elsewhere",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT_ID}:role/sim-flow-logs",
    )
    item = _item(run_collector, account, "network.flow-log")
    assert item.status.value == "not-satisfied"  # type: ignore[attr-defined]
    assert item.observed == {"exists": False}  # type: ignore[attr-defined]


def test_an_idle_stream_has_no_lag_rather_than_an_error(
    design: Design, moto_server: MotoEndpoint, now: datetime
) -> None:
    fresh = session(design.region)
    ctx = Context(
        lambda service: fresh.client(
            service, region_name=design.region, endpoint_url=moto_server.endpoint
        ),
        ACCOUNT_ID,
        design.region,
        now,
        7,
    )
    idle = replace(design, stream_name="streamflix-kinesis-idle")
    finding = workers._lag(ctx, idle)
    assert finding.satisfied is True
    assert "no datapoints" in finding.detail and "insufficient data" in finding.detail
