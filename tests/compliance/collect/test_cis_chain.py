"""CIS 4.x at runtime: the collector reads each recommendation's whole chain from the account.

Against moto server, each link of the CIS 4.3 chain (root account usage) is deleted or altered in
turn: the metric filter on the trail's log group with the synthesized pattern, the alarm on its
metric with the designed threshold, the alarm's actions to the alerts topic, the topic's confirmed
subscriber, the trail's delivery to its log group. Each broken link fails exactly the chains that
depend on it, names the link, and makes exactly those CIS controls of the report not satisfied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.assess import ControlStatus
from compliance.collect.checks import CIS_CHAIN
from compliance.collect.cis_monitoring import (
    LINK_ALARM,
    LINK_FILTER,
    LINK_SUBSCRIBER,
    LINK_TOPIC,
    LINK_TRAIL,
)
from compliance.collect.design import CisChain, Design
from compliance.collect.model import ItemStatus
from compliance.reportdata import ReportData
from compliance.runtime_evidence import with_runtime_evidence
from lib.cis_metric_filters import CIS_METRIC_FILTERS
from simulation.account import ACCOUNT_ID, SimulatedAccount

from .conftest import Collect, Run

CIS = "4.3"
ALL = frozenset(CIS_CHAIN)


def chain(a: SimulatedAccount, cis_id: str = CIS) -> CisChain:
    return next(c for c in a.design.cis_chains if c.cis_id == cis_id)


def topic(a: SimulatedAccount) -> str:
    return f"arn:aws:sns:{a.target.region}:{ACCOUNT_ID}:{a.design.topic_name}"


def _delete_filter(a: SimulatedAccount) -> None:
    c = chain(a)
    a.client("logs").delete_metric_filter(logGroupName=c.log_group, filterName=c.filter_name)


def _alter_pattern(a: SimulatedAccount) -> None:
    # Drops the "not invoked by a service" and "not a service event" terms: noisy, not CIS 4.3.
    a.put_cis_filter(chain(a), filterPattern='{ $.userIdentity.type = "Root" }')


def _filter_on_another_group(a: SimulatedAccount) -> None:
    _delete_filter(a)
    a.put_cis_filter(chain(a), logGroupName=a.design.flow_log_group)


def _raise_threshold(a: SimulatedAccount) -> None:
    a.put_cis_alarm(chain(a), [topic(a)], Threshold=chain(a).threshold + 9)


def _alarm_on_another_metric(a: SimulatedAccount) -> None:
    a.put_cis_alarm(chain(a), [topic(a)], MetricName="SomethingElse")


def _actions_elsewhere(a: SimulatedAccount) -> None:
    other = a.client("sns").create_topic(Name="not-the-alerts-topic")["TopicArn"]
    a.put_cis_alarm(chain(a), [other])


def _trail_to_another_group(a: SimulatedAccount) -> None:
    a.client("cloudtrail").update_trail(
        Name=a.design.trail_name,
        CloudWatchLogsLogGroupArn=a.trail_log_group_arn(a.design.flow_log_group),
    )


# case -> (change, the chains that must fail, the link named, other checks that also fail)
LINKS: dict[str, tuple[Callable[[SimulatedAccount], None], frozenset[str], str, frozenset[str]]]
LINKS = {
    "metric filter deleted": (_delete_filter, frozenset({CIS}), LINK_FILTER, frozenset()),
    "filter pattern altered": (_alter_pattern, frozenset({CIS}), "pattern differs", frozenset()),
    "filter on another log group": (
        _filter_on_another_group,
        frozenset({CIS}),
        LINK_FILTER,
        frozenset(),
    ),
    "alarm deleted": (
        lambda a: a.delete_alarm(chain(a).alarm_name),
        frozenset({CIS}),
        LINK_ALARM,
        frozenset({"alerts.alarm"}),
    ),
    "alarm threshold raised": (_raise_threshold, frozenset({CIS}), "Threshold", frozenset()),
    "alarm on another metric": (_alarm_on_another_metric, frozenset({CIS}), "metric", frozenset()),
    "alarm actions disabled": (
        lambda a: a.disable_alarm_actions(chain(a).alarm_name),
        frozenset({CIS}),
        "ActionsEnabled",
        frozenset({"alerts.alarm"}),
    ),
    "alarm actions to another topic": (
        _actions_elsewhere,
        frozenset({CIS}),
        LINK_TOPIC,
        frozenset({"alerts.alarm"}),
    ),
    "no confirmed subscriber": (
        SimulatedAccount.remove_subscriptions,
        ALL,
        LINK_SUBSCRIBER,
        frozenset({"alerts.subscription"}),
    ),
    "trail delivers to another log group": (
        _trail_to_another_group,
        ALL,
        LINK_TRAIL,
        frozenset(),
    ),
}


def test_the_designed_account_shows_every_chain_whole(baseline: Run, design: Design) -> None:
    items = {i.check_id: i for i in baseline.evidence.items if i.check_id.startswith("monitoring.")}
    assert set(items) == {c.id for c in CIS_CHAIN.values()}
    assert {i.status for i in items.values()} == {ItemStatus.SATISFIED}
    root = items[CIS_CHAIN[CIS].id]
    assert root.control_ids == ("SFX-CTL-OPS-05",)
    assert {k: v for k, v in root.observed.items() if k != LINK_SUBSCRIBER} == {
        k: v for k, v in root.expected.items() if k != LINK_SUBSCRIBER
    }
    assert root.observed[LINK_SUBSCRIBER] == 1
    assert root.observed[LINK_ALARM]["Threshold"] == 1.0


def test_the_design_reads_the_synthesized_chain(design: Design) -> None:
    """The expected pattern is the text the stack synthesizes (the lib table, by construction)."""
    assert [c.cis_id for c in design.cis_chains] == [r.cis_id for r in CIS_METRIC_FILTERS]
    for c, row in zip(design.cis_chains, CIS_METRIC_FILTERS, strict=True):
        assert (c.pattern, c.metric_name, c.log_group) == (
            row.pattern,
            row.metric_name,
            design.trail_log_group,
        )
    assert design.trail_log_group.startswith("streamflix-trail-logs-")


@pytest.mark.parametrize("case", sorted(LINKS))
def test_each_missing_link_fails_exactly_its_chains_naming_the_link(
    case: str, account: SimulatedAccount, run_collector: Collect
) -> None:
    change, chains, link, others = LINKS[case]
    change(account)
    run = run_collector(account)
    failing = {i.check_id for i in run.evidence.items if i.status is not ItemStatus.SATISFIED}
    assert failing == {CIS_CHAIN[c].id for c in chains} | others
    item = next(i for i in run.evidence.items if i.check_id == CIS_CHAIN[CIS].id)
    assert item.status is ItemStatus.NOT_SATISFIED
    assert item.detail.startswith("missing link(s): ") and link in item.detail
    assert item.check_id in {row["check_id"] for row in run.evidence.to_json()["drift"]}


@pytest.fixture
def designed_in(report_data: ReportData) -> ReportData:
    """The session's report with the CIS controls' design evidence passed (runtime pending)."""
    return dataclasses.replace(
        report_data,
        assessments=tuple(
            dataclasses.replace(a, status=ControlStatus.DESIGNED_RUNTIME_PENDING)
            if a.control.id.startswith("SFX-CTL-CIS-")
            else a
            for a in report_data.assessments
        ),
    )


def _cis_statuses(data: ReportData) -> dict[str, ControlStatus]:
    return {
        a.control.id: a.status for a in data.assessments if a.control.id.startswith("SFX-CTL-CIS")
    }


def test_a_deleted_filter_makes_exactly_its_cis_control_not_satisfied_in_the_report(
    account: SimulatedAccount, run_collector: Collect, designed_in: ReportData, baseline: Run
) -> None:
    """The issue's case: CIS 4.3's filter deleted, its alarm kept."""
    before = _cis_statuses(with_runtime_evidence(designed_in, baseline.path, allow_simulation=True))
    assert set(before.values()) == {ControlStatus.SATISFIED}
    _delete_filter(account)
    path: Path = run_collector(account).path
    data = with_runtime_evidence(designed_in, path, allow_simulation=True)
    after = _cis_statuses(data)
    assert {c for c, s in after.items() if s is not before[c]} == {"SFX-CTL-CIS-03"}
    assert after["SFX-CTL-CIS-03"] is ControlStatus.NOT_SATISFIED
    (cis3,) = [a for a in data.assessments if a.control.id == "SFX-CTL-CIS-03"]
    assert "monitoring.cis-4-3" in cis3.reason
