"""parse_framing: the framing text of the CLI and of Step, for every form."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    AsciiLength,
    Delimited,
    FixedLength,
    FramingSyntaxError,
    LengthPrefixed,
    ShutdownTerminated,
    StreamDecoder,
    VarintLength,
    framing_text,
    parse_framing,
)

from .codec_helpers import bodies_of

FORMS = [
    ("length:2", LengthPrefixed(width=2)),
    ("length:4", LengthPrefixed(width=4)),
    ("length", LengthPrefixed(width=4)),
    ("length:1", LengthPrefixed(width=1)),
    ("length:8", LengthPrefixed(width=8)),
    ("length:4,header=1,includes=1", LengthPrefixed(4, header=1, includes_prefix=True)),
    ("length:4,byteorder=little", LengthPrefixed(4, byteorder="little")),
    ("length:4,adjust=-1", LengthPrefixed(4, adjustment=-1)),
    ("length:2,byteorder=little,adjust=-2", LengthPrefixed(2, byteorder="little", adjustment=-2)),
    (" LENGTH:2 ", LengthPrefixed(width=2)),  # case and outer spaces do not matter
    ("length:4, header=1 , includes=1", LengthPrefixed(4, header=1, includes_prefix=True)),
    ("ascii:5", AsciiLength(5)),
    ("ascii", AsciiLength(5)),
    ("ascii:3", AsciiLength(3)),
    ("delimited:\\r\\n", Delimited(b"\r\n")),
    ("delimited:\\n", Delimited(b"\n")),
    ("delimited:\\t\\0\\\\", Delimited(b"\t\0\\")),
    ("delimited:\\x00\\xff", Delimited(b"\x00\xff")),
    ("delimited:END", Delimited(b"END")),
    ("delimited:a,b", Delimited(b"a,b")),  # a comma belongs to the delimiter
    ("delimited:\\r\\n\\r\\n", Delimited(b"\r\n\r\n")),
    ("varint", VarintLength()),
    ("varint,header=1,max_bytes=4", VarintLength(header=1, max_bytes=4)),
    ("fixed:16", FixedLength(16)),
    ("fixed:1", FixedLength(1)),
    ("shutdown", ShutdownTerminated()),
]

MAX_FORMS = [
    ("length:2,max=100", LengthPrefixed(width=2, max_frame=100)),
    (
        "length:4,header=1,includes=1,max=1000",
        LengthPrefixed(4, header=1, includes_prefix=True, max_frame=1000),
    ),  # fmt: skip
    ("ascii:3,max=50", AsciiLength(3, max_frame=50)),
    ("delimited:\\n,max=10", Delimited(b"\n", max_frame=10)),
    ("delimited:a,b,max=10", Delimited(b"a,b", max_frame=10)),
    ("varint,max=0x100", VarintLength(max_frame=256)),
    ("varint,header=1,max_bytes=4,max=5", VarintLength(header=1, max_bytes=4, max_frame=5)),
    ("shutdown,max=5", ShutdownTerminated(max_frame=5)),
]


@pytest.mark.parametrize("text,framer", FORMS + MAX_FORMS, ids=[t for t, _ in FORMS + MAX_FORMS])
def test_every_form_parses_to_its_framer(text, framer):
    got = parse_framing(text)
    assert type(got) is type(framer) and repr(got) == repr(framer)


@pytest.mark.parametrize("text,framer", FORMS, ids=[t for t, _ in FORMS])
def test_framing_text_is_the_inverse_of_parse_framing(text, framer):
    again = parse_framing(framing_text(framer))
    assert repr(again) == repr(framer)


@pytest.mark.parametrize("text,framer", MAX_FORMS, ids=[t for t, _ in MAX_FORMS])
def test_framing_text_keeps_max_frame(text, framer):
    # framing_text is documented as the inverse of parse_framing: max= included
    assert repr(parse_framing(framing_text(framer))) == repr(framer)


def test_parsed_framers_frame():
    dec = StreamDecoder(parse_framing("delimited:\\r\\n,max=5"))
    assert bodies_of(dec.feed(b"12345\r\nab\r\n")) == [b"12345", b"ab"]
    dec = StreamDecoder("length:4,header=1,includes=1")  # the decoder parses text too
    (run,) = dec.feed(b"Q\x00\x00\x00\x06hi")
    assert run[0].header == b"Q" and run[0].data == b"hi"


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "empty framing text"),
        ("   ", "empty framing text"),
        ("bogus:1", "unknown framing 'bogus' in 'bogus:1'; known: length, ascii, delimited"),
        ("length:4,header", "framing option 'header' must be name=value"),
        ("length:x", "framing option width='x' is not an integer"),
        ("length:4,header=z", "framing option header='z' is not an integer"),
        ("length:4,foo=1", "unknown option(s) foo for length framing in 'length:4,foo=1'"),
        ("varint,width=2", "unknown option(s) width for varint framing"),
        ("fixed", "fixed framing needs a size: fixed:16"),
        ("varint:3", "varint framing takes no ':' argument ('varint:3')"),
        ("shutdown:1", "shutdown framing takes no ':' argument"),
        ("delimited:", "delimited framing needs a delimiter"),
        ("delimited:,max=5", "delimited framing needs a delimiter"),
        ("delimited:\\n,max=x", "framing option max='x' is not an integer"),
        ("length:3", "bad framing 'length:3': width must be 1, 2, 4 or 8, got 3"),
        ("length:4,byteorder=middle", "byteorder must be 'big' or 'little', got 'middle'"),
        ("length:4,max=-1", "max_frame must be >= 0, got -1"),
        ("ascii:0", "bad framing 'ascii:0'"),
        ("fixed:0", "bad framing 'fixed:0'"),
        ("varint,max_bytes=11", "bad framing 'varint,max_bytes=11'"),
        ("length:1,adjust=-256", "bad framing"),
    ],
)
def test_errors_name_the_bad_part(text, message):
    with pytest.raises(FramingSyntaxError) as info:
        parse_framing(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    if info.value.__cause__ is not None:  # raised from the framer's own ValueError
        assert isinstance(info.value.__cause__, (TypeError, ValueError))


def test_framing_text_must_be_str():
    with pytest.raises(TypeError, match="framing text must be str, not bytes"):
        parse_framing(b"length:2")
    with pytest.raises(TypeError):
        StreamDecoder(b"length:2")
