"""StreamFlix video-processing worker: consumes Kinesis jobs, probes uploads, records status."""

__version__ = "0.1.0"
