"""Timed text (WebVTT, SRT, HowTo100M JSON) to cues, and cues to training clips."""
