from vtdata.align.sbv import looks_like_sbv, parse_sbv


def test_sbv_cues_and_problems_with_their_lines():
    text = (
        "0:00:00.599,0:00:04.160\n>> ALICE: Hi, my name is Alice\nand this is John\n\n"
        "0:00:04.160,0:00:06.770\n>> JOHN: we own the bakery.\n\n"
        "no timing here\nlost\n\n"
        "0:00:08.000,0:00:07.000\nbackwards\n\n"
        "0:00:09.000,0:00:10.000\n\n"
        "0:00:11.000,0:00:12.000\nlast\n"
    )
    parsed = parse_sbv(text, "x.sbv")
    assert [(c.start, c.end, c.text, c.line) for c in parsed.cues] == [
        (0.599, 4.16, ">> ALICE: Hi, my name is Alice\nand this is John", 1),
        (4.16, 6.77, ">> JOHN: we own the bakery.", 5),
        (9.0, 10.0, "", 14),
        (11.0, 12.0, "last", 16),
    ]
    assert [(i.line, i.severity) for i in parsed.issues] == [(8, "error"), (11, "error"), (14, "warning")]
    assert "'no timing here' has no 'start,end' timing line" in parsed.issues[0].message
    assert parsed.format == "sbv"


def test_sniffing():
    assert looks_like_sbv("\ufeff\n0:00:01.000,0:00:02.000\nx\n")
    assert not looks_like_sbv("1\n00:00:01,000 --> 00:00:02,000\nx\n")
