"""A real worker process whose media processing dies like a native crash on one video.

Test-only entry point (not collected by pytest): ``POISON_VIDEO_ID`` names the video whose
processing SIGKILLs the process, as a segfault in a decoder would; every other job is processed
by the production code unchanged.
"""

from __future__ import annotations

import os
import signal
import sys

from streamflix_worker.__main__ import main
from streamflix_worker.processor import S3MediaProcessor
from streamflix_worker.schema import ProcessingRequest

_process = S3MediaProcessor.process


def _dies_on_poison(self: S3MediaProcessor, request: ProcessingRequest):  # type: ignore[no-untyped-def]
    if str(request.video_id) == os.environ["POISON_VIDEO_ID"]:
        os.kill(os.getpid(), signal.SIGKILL)
    return _process(self, request)


S3MediaProcessor.process = _dies_on_poison  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(["run"]))
