"""Timed text (WebVTT, SRT, HowTo100M JSON) to cues, and cues to training clips.

    textfile   decode any encoding (BOM, UTF-8, cp1252/latin-1 with a warning)
    vtt, srt   parsers with per-line issues; howto100m: caption.json entries
    timedtext  pick the parser for a file, de-duplicate rolling captions
    youtube    YouTube rolling auto-captions -> each word once, at the time it was spoken
    text       markup and annotation cleaning, garbage reasons
    normalize  clean/sort cues; the HowTo100M narration repair
    builders   whole / cue / merge / window clips, shift, pad, clamp, context
    pipeline   one item: text source priority -> cues -> clips (plain records)
    store      items from a download store or source table; run_align writes clips.parquet
    summary    counts and text histograms of a run

See docs/align.md for the behaviour on messy input.
"""
