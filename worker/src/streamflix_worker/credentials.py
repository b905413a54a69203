"""Database credentials: an IAM auth token (deployed worker) or a Secrets Manager secret.

The deployed worker logs in as its own user with a token signed by its task role
(``rds-db:connect`` on exactly that user): tokens live 15 minutes, so one is made per
connection, locally, without an API call. The migrate task and the local stand-ins read a
username/password secret, at start and again whenever the database rejects it: the RDS-managed
secret rotates every 30 days and an injected copy would go stale.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class DbCredentials:
    """Username and password as stored in the RDS-managed secret."""

    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"DbCredentials(username={self.username!r}, password=***)"


class SecretError(RuntimeError):
    """The secret cannot be read or lacks username/password."""


class Credentials(Protocol):
    """Where a connection gets its login; ``refresh`` runs after an authentication failure."""

    def current(self) -> DbCredentials: ...

    def refresh(self) -> DbCredentials: ...


class IamTokenSource:
    """A fresh RDS IAM auth token for ``user`` per connection (botocore signs it locally)."""

    def __init__(self, rds: Any, host: str, port: int, user: str, region: str) -> None:
        self._rds = rds
        self._host, self._port, self._user, self._region = host, port, user, region

    def current(self) -> DbCredentials:
        token = self._rds.generate_db_auth_token(
            DBHostname=self._host, Port=self._port, DBUsername=self._user, Region=self._region
        )
        return DbCredentials(username=self._user, password=str(token))

    def refresh(self) -> DbCredentials:
        return self.current()


class CredentialSource:
    """Caches the current credentials; ``refresh`` re-reads them after an auth failure."""

    def __init__(self, secretsmanager: Any, secret_arn: str) -> None:
        self._client = secretsmanager
        self._arn = secret_arn
        self._lock = threading.Lock()
        self._current: DbCredentials | None = None

    def current(self) -> DbCredentials:
        with self._lock:
            if self._current is None:
                self._current = self._read()
            return self._current

    def refresh(self) -> DbCredentials:
        with self._lock:
            self._current = self._read()
            return self._current

    def _read(self) -> DbCredentials:
        response = self._client.get_secret_value(SecretId=self._arn)
        try:
            data = json.loads(response["SecretString"])
            return DbCredentials(username=str(data["username"]), password=str(data["password"]))
        except (KeyError, TypeError, ValueError) as error:
            raise SecretError(
                f"secret {self._arn} must be JSON with 'username' and 'password'"
            ) from error
