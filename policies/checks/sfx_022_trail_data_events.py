"""CKV_SFX_22: CloudTrail records data events on the stack's content: S3 objects and Kinesis streams.

Management events do not show who read or wrote an upload or a processing request (CIS 3.8/3.9).
The check judges the content, not the trail: every ``aws_kinesis_stream`` and every
``aws_s3_bucket`` of the scanned file must be covered by a data-event selector of some trail in
that file. So a stack that loses its trail altogether fails here, on each stream and bucket,
instead of passing every per-trail check vacuously. Log sinks (access-log and trail buckets:
logging them would loop) are not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.stackfile import StackFile

S3_OBJECT, KINESIS_STREAM = "AWS::S3::Object", "AWS::Kinesis::Stream"
TARGET_TYPES = {"aws_s3_bucket": S3_OBJECT, "aws_kinesis_stream": KINESIS_STREAM}
ALL_S3 = {"arn:aws:s3", "arn:aws:s3:::"}
# (resource type, attribute) pairs that make a bucket a log sink
SINK_REFERENCES = (("aws_s3_bucket_logging", "target_bucket"), ("aws_cloudtrail", "s3_bucket_name"))


@dataclass(frozen=True)
class Coverage:
    """One selector: the resource type it logs, and its ARN filter (None: all of that type)."""

    resource_type: str
    arn_filter: str | None

    def covers(self, resource_type: str, rtype: str, name: str, body: dict[str, Any]) -> bool:
        if resource_type != self.resource_type:
            return False
        if self.arn_filter is None:
            return True
        literal = body.get("bucket") or body.get("name")
        return f"{rtype}.{name}." in self.arn_filter or (
            isinstance(literal, str)
            and not hcl.is_expression(literal)
            and literal in self.arn_filter
        )


def _as_list(item: Any) -> list[Any]:
    return item if isinstance(item, list) else [] if item is None else [item]


def coverages(trail: dict[str, Any]) -> list[Coverage]:
    found = []
    for selector in _as_list(trail.get("event_selector")):
        for resource in _as_list(selector.get("data_resource")):
            values = [str(v) for v in _as_list(resource.get("values"))]
            everything = any(v.rstrip("/") in ALL_S3 for v in values)
            found.append(Coverage(str(resource.get("type")), None if everything else repr(values)))
    for selector in _as_list(trail.get("advanced_event_selector")):
        fields = {str(f.get("field")): f for f in _as_list(selector.get("field_selector"))}
        if "Data" not in _as_list(fields.get("eventCategory", {}).get("equals")):
            continue
        arns = fields.get("resources.ARN")
        arn_filter = (
            None
            if arns is None
            else repr(_as_list(arns.get("equals")) + _as_list(arns.get("starts_with")))
        )
        for rtype in _as_list(fields.get("resources.type", {}).get("equals")):
            found.append(Coverage(str(rtype), arn_filter))
    return found


def log_sinks(stack: StackFile) -> set[str]:
    return {
        n
        for rtype, attribute in SINK_REFERENCES
        for body in stack.of_type(rtype).values()
        for t, n in hcl.references(body.get(attribute))
        if t == "aws_s3_bucket"
    }


class TrailDataEvents(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_22",
            "Ensure CloudTrail logs data events on the stack's S3 buckets and Kinesis streams",
            CheckCategories.LOGGING,
            list(TARGET_TYPES),
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        if rtype == "aws_s3_bucket" and name in log_sinks(stack):
            return CheckResult.UNKNOWN  # a log sink: recording reads of it would loop
        trails = stack.of_type("aws_cloudtrail")
        if not trails:
            return self.fail("the stack has no CloudTrail trail to record its data events")
        data_type = TARGET_TYPES[rtype]
        if any(
            c.covers(data_type, rtype, name, body)
            for trail in trails.values()
            for c in coverages(trail)
        ):
            return CheckResult.PASSED
        return self.fail(
            f"no data-event selector ({data_type}) of trail(s) {', '.join(sorted(trails))} "
            "covers it; add one to the trail's advanced_event_selector"
        )


check = TrailDataEvents()
