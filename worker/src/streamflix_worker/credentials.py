"""Database credentials from Secrets Manager.

Read at start and re-read whenever the database rejects them: the RDS-managed secret rotates
every 30 days and ECS-injected copies would go stale, so the worker fetches the secret itself.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DbCredentials:
    """Username and password as stored in the RDS-managed secret."""

    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"DbCredentials(username={self.username!r}, password=***)"


class SecretError(RuntimeError):
    """The secret cannot be read or lacks username/password."""


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
