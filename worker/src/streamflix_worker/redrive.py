"""``python -m streamflix_worker redrive``: move dead letters back to the stream, marked.

An operator's command, run with the OPERATOR's credentials (never the task role, which must not
read or delete from its own DLQ): boto3 clients are built here, not by ``aws.make_clients``.
Per message: record the redrive in ``redrive_grants`` with the operator's database login (the
worker honours no marker without it, so producers cannot forge one), then PutRecord with the
redrive marker, THEN DeleteMessage (at-least-once; a letter redriven twice carries the same
``redrive_id`` and the worker runs it once). Letters that stay
(not redrivable, filtered, failed, dry run) get their visibility reset to 0 at the end, so the
DLQ alarm and the next operator still see them. One JSON line per message and a summary line on
stdout; exit 0 when every redrivable message was moved, 1 when something failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO
from uuid import UUID

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from streamflix_worker.aws import client_config
from streamflix_worker.config import DbSettings, load_db_settings, required
from streamflix_worker.contract import Env
from streamflix_worker.credentials import Credentials, CredentialSource, IamTokenSource
from streamflix_worker.database import Database
from streamflix_worker.redrive_grants import GRANT_ERRORS, DatabaseGrants, GrantBook
from streamflix_worker.redrive_plan import Keep, Move, plan, with_correction
from streamflix_worker.schema import InvalidRequestError

RECEIVE_WAIT_SECONDS = 2  # long polling: an empty answer means the queue is empty, not sampled
HOLD_SECONDS = 300  # a received letter stays hidden this long unless we release it earlier
AWS_ERRORS = (BotoCoreError, ClientError)
ACTIONS = ("moved", "would_move", "kept", "failed")  # "failed" leaves the letter and exits 1


@dataclass(frozen=True)
class RedriveConfig:
    """The environment ``redrive`` reads (endpoints: boto3's own AWS_ENDPOINT_URL* variables)."""

    dlq_url: str
    stream_name: str
    region: str
    db: DbSettings  # the operator's login (``streamflix_operator``), which records the grants


def load_redrive_config(env: Mapping[str, str] | None = None) -> RedriveConfig:
    """Same variables and errors as ``run`` (a ``ConfigError`` naming the variable → exit 2);
    the ``DB_*`` variables name the operator's database login, not the worker's."""
    env = os.environ if env is None else env
    return RedriveConfig(
        dlq_url=required(env, Env.DLQ_URL),
        stream_name=required(env, Env.STREAM_NAME),
        region=required(env, Env.AWS_REGION),
        db=load_db_settings(env),
    )


@dataclass(frozen=True)
class RedriveOptions:
    """The command line: at most ``max_messages`` letters, only ``video_ids`` if given."""

    max_messages: int | None = None
    video_ids: frozenset[UUID] = frozenset()
    dry_run: bool = False
    latest: bool = False  # run the producer's latest correction of the video, if any


@dataclass(frozen=True)
class Outcome:
    """One stdout line: what happened to one DLQ message."""

    message_id: str
    video_id: str | None
    error_kind: str | None
    action: str  # one of ACTIONS
    redrive_id: str | None = None
    sequence_number: str | None = None
    reason: str | None = None
    correction: str | None = None  # --latest: the sequence number the correction arrived with


@dataclass
class _Run:
    """Mutable state of one run: letters to release and the tally."""

    seen: set[str] = field(default_factory=set)
    moved: set[UUID] = field(default_factory=set)  # redrive ids this run put on the stream
    held: list[str] = field(default_factory=list)  # receipt handles to make visible again
    tally: Counter[str] = field(default_factory=Counter)


class Redriver:
    """Receives letters from the DLQ until it is empty, ``--max`` or a repeat; acts on each."""

    def __init__(
        self,
        sqs: Any,
        kinesis: Any,
        config: RedriveConfig,
        options: RedriveOptions,
        out: TextIO,
        grants: GrantBook,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sqs = sqs
        self._kinesis = kinesis
        self._config = config
        self._options = options
        self._out = out
        self._grants = grants
        self._clock = clock

    def run(self) -> int:
        state = _Run()
        stopped = "error"
        try:
            stopped = self._receive_all(state)
        finally:
            self._release(state)
            self._emit(
                {"summary": True, "stopped": stopped, "dry_run": self._options.dry_run}
                | {k: state.tally[k] for k in ("received", *ACTIONS)}
            )
        return 1 if state.tally["failed"] else 0

    def _receive_all(self, state: _Run) -> str:
        limit = self._options.max_messages
        while True:
            remaining = 10 if limit is None else min(10, limit - state.tally["received"])
            if remaining <= 0:
                return "max reached"
            messages = self._sqs.receive_message(
                QueueUrl=self._config.dlq_url,
                MaxNumberOfMessages=remaining,
                WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
                VisibilityTimeout=HOLD_SECONDS,
            ).get("Messages", [])
            if not messages:
                return "queue empty"
            repeated = False
            for message in messages:
                if message["MessageId"] in state.seen:  # came back: its hold expired
                    state.held.append(message["ReceiptHandle"])
                    repeated = True
                    continue
                state.seen.add(message["MessageId"])
                state.tally["received"] += 1
                outcome = self._handle(message, state)
                state.tally[outcome.action] += 1
                self._emit(asdict(outcome))
            if repeated:
                return "message seen twice"

    def _handle(self, message: dict[str, Any], state: _Run) -> Outcome:
        message_id, handle = message["MessageId"], message["ReceiptHandle"]
        step = plan(message_id, message["Body"], self._options.video_ids, self._clock())
        if isinstance(step, Keep):
            state.held.append(handle)
            return Outcome(message_id, step.video_id, step.error_kind, "kept", reason=step.reason)
        correction: str | None = None
        if self._options.latest:
            try:
                found = self._grants.latest_correction(step.video_id)
                if found is not None:
                    step, correction = with_correction(step, found[0]), found[1]
            except GRANT_ERRORS as error:
                state.held.append(handle)
                return _moved(message_id, step)(
                    "failed", reason=f"could not read the corrections, letter kept: {error}"
                )
            except InvalidRequestError as error:
                state.held.append(handle)
                return _moved(message_id, step)(
                    "kept", reason=f"the latest correction is not a valid request: {error.reason}"
                )
        moved = _moved(message_id, step, correction)
        if step.previous_redrive_id in state.moved:
            # The worker ran it again and it failed again while we were still receiving: moving
            # it once more would ping-pong until the cause is fixed.
            state.held.append(handle)
            return Outcome(
                message_id,
                step.video_id,
                step.error_kind,
                "kept",
                reason="failed again after this run redrove it: fix the cause, then redrive",
            )
        if self._options.dry_run:
            state.held.append(handle)
            return moved("would_move")
        try:
            self._grants.record(message_id, step)
        except GRANT_ERRORS as error:
            state.held.append(handle)
            return moved("failed", reason=f"could not record the redrive, letter kept: {error}")
        try:
            sequence = str(
                self._kinesis.put_record(
                    StreamName=self._config.stream_name,
                    Data=step.record,
                    PartitionKey=step.video_id,
                )["SequenceNumber"]
            )
        except AWS_ERRORS as error:
            state.held.append(handle)
            return moved("failed", reason=f"PutRecord failed, letter kept: {error}")
        state.moved.add(step.redrive_id)
        try:
            self._sqs.delete_message(QueueUrl=self._config.dlq_url, ReceiptHandle=handle)
        except AWS_ERRORS as error:
            state.held.append(handle)
            return moved(
                "failed",
                sequence,
                f"put on the stream but DeleteMessage failed: {error}; redriving this letter "
                "again is safe (same redrive_id, processed once)",
            )
        return moved("moved", sequence)

    def _release(self, state: _Run) -> None:
        """Make every letter we keep visible again now, not after ``HOLD_SECONDS``."""
        for handle in state.held:
            try:
                self._sqs.change_message_visibility(
                    QueueUrl=self._config.dlq_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except AWS_ERRORS as error:
                state.tally["failed"] += 1
                print(f"redrive: could not release a kept letter: {error}", file=sys.stderr)

    def _emit(self, line: dict[str, Any]) -> None:
        print(json.dumps(line), file=self._out, flush=True)


def _moved(message_id: str, step: Move, correction: str | None = None) -> Callable[..., Outcome]:
    def outcome(action: str, sequence: str | None = None, reason: str | None = None) -> Outcome:
        return Outcome(
            message_id,
            step.video_id,
            step.error_kind,
            action,
            str(step.redrive_id),
            sequence,
            reason,
            correction,
        )

    return outcome


def operator_clients(region: str) -> tuple[Any, Any]:
    """SQS and Kinesis clients from the caller's own credential chain (not the task role's)."""
    session = boto3.session.Session(region_name=region)
    config = client_config()
    return session.client("sqs", config=config), session.client("kinesis", config=config)


def operator_grants(config: RedriveConfig) -> DatabaseGrants:
    """The grant book, logged in as the operator: an IAM token signed with the caller's own
    credentials (``DB_AUTH=iam``, ``DB_USER=streamflix_operator``) or the operator's secret."""
    session = boto3.session.Session(region_name=config.region)
    settings = config.db
    credentials: Credentials
    if settings.auth == "iam":
        rds = session.client("rds", config=client_config())
        credentials = IamTokenSource(
            rds, settings.host, settings.port, settings.user, config.region
        )
    else:
        secrets = session.client("secretsmanager", config=client_config())
        credentials = CredentialSource(secrets, settings.secret_arn)
    return DatabaseGrants(Database(settings, credentials, "streamflix-redrive"))


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max", type=_positive, dest="max_messages", metavar="N", help="handle at most N messages"
    )
    parser.add_argument(
        "--video-id",
        type=UUID,
        action="append",
        default=[],
        dest="video_ids",
        metavar="ID",
        help="only redrive letters of this video (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="receive and report, move nothing")
    parser.add_argument(
        "--latest",
        action="store_true",
        help="put back the producer's latest correction of the video (a request with different "
        "content the worker recorded), if there is one, instead of the letter's request",
    )


def redrive(args: argparse.Namespace) -> int:
    """The command: config errors raise ``ConfigError`` (exit 2 in ``__main__``)."""
    config = load_redrive_config()
    options = RedriveOptions(
        args.max_messages, frozenset(args.video_ids), args.dry_run, args.latest
    )
    sqs, kinesis = operator_clients(config.region)
    grants = operator_grants(config)
    try:
        return Redriver(sqs, kinesis, config, options, sys.stdout, grants).run()
    except AWS_ERRORS as error:
        print(f"redrive: {error}", file=sys.stderr)
        return 1
    finally:
        grants.close()
