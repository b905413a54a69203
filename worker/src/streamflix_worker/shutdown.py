"""SIGTERM/SIGINT handling: the first signal asks for a drain, a second one exits at once.

Fargate Spot sends SIGTERM two minutes before reclaiming the task; the handler only sets a
flag, the supervisor does the draining (dramatiq's pattern).
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType


def install_signal_handlers(stop: threading.Event) -> None:
    """Route SIGTERM and SIGINT to ``stop``; a repeated signal ends the process immediately."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(128 + signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
