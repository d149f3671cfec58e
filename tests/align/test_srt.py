from vtdata.align.srt import parse_srt, read_srt


def test_real_srt_with_malformed_timestamps(real_file):
    parsed = read_srt(real_file("malformed_timestamps.srt"))
    assert [(c.start, c.end, c.text, c.line) for c in parsed.cues] == [
        (0.0, 1.0, "Red!", 2),
        (2.0, 3.5, "More Red!", 6),
        (5.0, 6.0, "Green!", 10),  # 00:00:5,000
        (7.0, 8.0, "Blue", 14),
        (9.0, 10.0, "More Blue!", 18),
    ]
    assert [(i.line, i.severity) for i in parsed.issues] == [
        (10, "warning"),
        (14, "warning"),
        (18, "warning"),
    ]


def test_missing_blank_lines_and_indices_lose_nothing():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nfirst\nsecond line\n"
        "2\n00:00:03,000 --> 00:00:04,000\n\nafter a blank\n\nand another\n"
        "00:00:05,000 --> 00:00:06,000\n<i>no index</i> {\\an8}\n\n"
        "4\n00:00:07,000 --> 00:00:08,000\n42\n"
    )
    parsed = parse_srt(text, "x.srt")
    # the text after stray blank lines is kept, and said so
    assert [(i.line, i.severity) for i in parsed.issues] == [(8, "warning"), (10, "warning")]
    assert "inside the cue of line 6" in parsed.issues[0].message
    assert [(c.start, c.text) for c in parsed.cues] == [
        (1.0, "first\nsecond line"),
        (3.0, "after a blank\nand another"),
        (5.0, "<i>no index</i> {\\an8}"),
        (7.0, "42"),  # a number as the last cue's text is text, not an index
    ]


def test_bad_timings_skip_their_cue_only():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nok\n\n"
        "2\n00:00:02,000 --> 00:00:75,000\nlost\n\n"
        "3\n00:00:09,000 --> 00:00:08,000\nbackwards\n\n"
        "4\n00:00:10,000 --> 00:00:11,000\nok too\n"
    )
    parsed = parse_srt(text, "x.srt")
    assert [c.text for c in parsed.cues] == ["ok", "ok too"]
    assert [(i.line, i.severity) for i in parsed.issues] == [(6, "error"), (10, "error")]
    assert "x.srt line 6" in str(parsed.issues[0])


def test_no_timing_at_all_is_reported():
    parsed = parse_srt("just some text\nwithout cues\n", "x.srt")
    assert parsed.cues == [] and "not an SRT file" in parsed.issues[0].message


def test_a_block_without_timing_is_skipped_not_glued_to_the_cue_before():
    """The peer corpus's case: block 2 lost its timing line; it used to become
    'Caption text #1 2 Caption text #2'."""
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nCaption text #1\n\n"
        "2\nCaption text #2\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nCaption text #3\n"
    )
    parsed = parse_srt(text, "x.srt")
    assert [(c.start, c.text, c.line) for c in parsed.cues] == [
        (1.0, "Caption text #1", 2),
        (5.0, "Caption text #3", 9),
    ]
    (issue,) = parsed.issues
    assert (issue.line, issue.severity) == (5, "error")
    assert "no 'start --> end' timing line" in issue.message and "Caption text #2" in issue.message


def test_a_block_without_timing_at_the_start_or_the_end():
    text = "1\nlost first\n\n2\n00:00:01,000 --> 00:00:02,000\nkept\n\n3\nlost last\n"
    parsed = parse_srt(text, "x.srt")
    assert [c.text for c in parsed.cues] == ["kept"]
    assert [(i.line, i.severity) for i in parsed.issues] == [(1, "error"), (8, "error")]
    assert "before the first" in parsed.issues[0].message


def test_a_timing_with_a_dot_is_read_with_the_promised_warning():
    text = "1\n00:00:07,000 --> 00:00:11.890\nmixed\n\n2\n00:00:12,000 --> 00:00:13,000\nplain\n"
    parsed = parse_srt(text, "x.srt")
    assert [(c.start, c.end) for c in parsed.cues] == [(7.0, 11.89), (12.0, 13.0)]
    (issue,) = parsed.issues
    assert (issue.line, issue.severity) == (2, "warning")
    assert "not SRT's HH:MM:SS,mmm; read as 00:00:07.000 --> 00:00:11.890" in issue.message


def test_an_empty_cue_stays_empty_instead_of_taking_the_next_index():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nsecond\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\n"
    )
    parsed = parse_srt(text, "x.srt")
    assert [(c.start, c.text) for c in parsed.cues] == [(1.0, ""), (3.0, "second"), (5.0, "")]
    assert [(i.line, i.severity) for i in parsed.issues] == [(2, "warning"), (9, "warning")]
    assert all("empty cue" in i.message for i in parsed.issues)


def test_text_after_a_stray_blank_line_is_kept_and_reported():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nfirst part\n\nsecond part\n\n2\n00:00:03,000 --> 00:00:04,000\nx\n"
    )
    parsed = parse_srt(text, "x.srt")
    assert [c.text for c in parsed.cues] == ["first part\nsecond part", "x"]
    (issue,) = parsed.issues
    assert (issue.line, issue.severity) == (5, "warning") and "kept with that cue" in issue.message
