"""The one-outcome-per-video rule as a table: what a record means for a video that exists."""

from __future__ import annotations

import uuid

import pytest
from streamflix_devtools.standins import sample_request
from streamflix_worker.schema import ProcessingRequest, RedriveMarker
from streamflix_worker.store import Claim, ExistingVideo, Job, decide

REDRIVE = uuid.uuid4()
HOLDER = "w-1#this-process"


def _job(shard: str = "s-1", sequence: str = "100", redrive: uuid.UUID | None = None) -> Job:
    request = ProcessingRequest.model_validate(sample_request("uploads-x", "k.mp4"))
    if redrive is not None:
        marker = RedriveMarker.model_validate(
            {
                "redrive_id": str(redrive),
                "dead_letter_id": "m-1",
                "error_kind": "permanent",
                "requested_at": "2026-12-02T10:00:00Z",
            }
        )
        request = request.model_copy(update={"redrive": marker})
    return Job(request, shard, sequence)


def _existing(
    status: str,
    claimed_by: str | None = "w-1",
    redrives: tuple[uuid.UUID, ...] = (),
    granted: tuple[uuid.UUID, ...] = (),
) -> ExistingVideo:
    return ExistingVideo(
        status, ("s-1", "100"), claimed_by, frozenset(redrives), frozenset(granted)
    )


@pytest.mark.parametrize(
    ("job", "existing", "expected"),
    [
        (_job(), _existing("PROCESSING"), Claim("reclaimed")),  # our record, left by a crash
        # held by this very process (a consumer restart, a retried claim): not a death
        (_job(), _existing("PROCESSING", claimed_by=HOLDER), Claim("resumed")),
        (_job(), _existing("PROCESSING", claimed_by=None), Claim("resumed")),  # handed back
        (_job("s-2"), _existing("PROCESSING"), Claim("duplicate", "PROCESSING")),  # other shard
        (_job(sequence="101"), _existing("PROCESSING"), Claim("duplicate", "PROCESSING")),
        (_job(), _existing("COMPLETED"), Claim("duplicate", "COMPLETED")),
        (_job(), _existing("FAILED"), Claim("duplicate", "FAILED")),  # a re-submit is no redrive
        (_job(redrive=REDRIVE), _existing("FAILED", granted=(REDRIVE,)), Claim("redrive")),
        # a marker the operator never recorded (a producer wrote it) re-opens nothing
        (_job(redrive=REDRIVE), _existing("FAILED"), Claim("duplicate", "FAILED", ungranted=True)),
        (
            _job(redrive=REDRIVE),
            _existing("FAILED", granted=(uuid.uuid4(),)),
            Claim("duplicate", "FAILED", ungranted=True),
        ),
        (
            _job(redrive=REDRIVE),
            _existing("FAILED", redrives=(REDRIVE,), granted=(REDRIVE,)),
            Claim("duplicate", "FAILED"),
        ),
        (_job(redrive=REDRIVE), _existing("COMPLETED"), Claim("duplicate", "COMPLETED")),
        (_job("s-2", redrive=REDRIVE), _existing("PROCESSING"), Claim("duplicate", "PROCESSING")),
    ],
)
def test_one_outcome_per_video(job: Job, existing: ExistingVideo, expected: Claim) -> None:
    assert decide(job, existing, HOLDER) == expected
