"""Wrappers around ffmpeg, PyAV and decord: the only place that builds ffmpeg argument lists."""
