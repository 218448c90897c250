"""Everything the command line prints is escaped: no control character from a package reaches a terminal.

Text from input (names, headers, keys, values, paths) may hold escape sequences that rewrite the
terminal, carriage returns that hide a line, or bidirectional overrides that reorder it. The CLI
writes through EscapingStream, which turns C0 controls (except newline and tab), DEL, C1 controls
and bidi override/isolate characters into \\uXXXX escapes. The same escape is valid inside a JSON
string, so `--json` output stays valid JSON that decodes to the original value. The toolkit's own
terminal control (the progress line) goes through `control()`, the only unescaped path.
"""
from __future__ import annotations

import io
import re
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

CLEAR_LINE = "\r\033[K"
# ... and lone surrogates (a file name of undecodable bytes), which no encoder could write
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NEWLINES = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape(text: str, newlines: bool = False) -> str:
    """The text with every unsafe character written as \\uXXXX (line feeds too when `newlines`: for
    one line of output whose parts came from input)."""
    return (NEWLINES if newlines else UNSAFE).sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shown_path(path) -> str:
    """A path as text a person can read and any terminal can print: bytes that are not UTF-8 (random bytes
    in a file name, decoded by the OS as lone surrogates) are written \\xNN."""
    import os

    try:
        raw = os.fsencode(path)
    except (TypeError, UnicodeError):
        return str(path).encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def quoted_path(path, n: int = 200) -> str:
    """shown_path in quotes for a message; a long path is clipped and its length given after the quote."""
    text = shown_path(path)
    return f"'{text}'" if len(text) <= n else f"'{text[:n]}'... ({len(text)} characters)"


class EscapingStream(io.TextIOBase):
    """A text stream writing everything escaped to another stream."""

    def __init__(self, inner: TextIO):
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(escape(text))
        return len(text)

    def control(self, sequence: str) -> None:
        """Write the toolkit's own terminal control sequence as is."""
        self.inner.write(sequence)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self):  # argparse and print consult it
        return getattr(self.inner, "encoding", "utf-8")


def control(sequence: str) -> None:
    """Write a terminal control sequence of ours (e.g. clearing the progress line) to stderr."""
    stream = sys.stderr
    (stream.control if isinstance(stream, EscapingStream) else stream.write)(sequence)
    stream.flush()


@contextmanager
def escaped_output() -> Iterator[None]:
    """Route sys.stdout and sys.stderr through EscapingStream while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(saved[0]), EscapingStream(saved[1])
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        sys.stdout, sys.stderr = saved
