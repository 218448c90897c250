"""The bytes of a CSV file on their way to Arrow's parser: what a look at each chunk finds (io.csv_stream)."""
from __future__ import annotations

import re

STREAM_BLOCK_BYTES = 8 * 1024 * 1024  # one block of the file: the reader's working memory is a few of these
_C1 = re.compile(rb"\xc2[\x80-\x9f]")  # C1 controls, UTF-8 encoded
_C0 = [i for i in range(32) if i not in (9, 10, 13)]  # C0 controls but tab, LF and CR (NUL is refused)


class _Stream:
    """What Arrow asks of a Python file object besides read(): a readable, unseekable stream."""

    closed = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


class ByteScan(_Stream):
    """A file-like object that hands the CSV bytes to Arrow and looks at each chunk on the way.

    One vectorised pass (numpy: the bytes below 0x20 and their counts) and a few memchr searches per
    chunk find what Arrow's parser does not report: NUL bytes, control characters, quotes between two
    ordinary characters (`a"b`, `"a"b`: Arrow reads the second leniently), and the line breaks (LF,
    CRLF or a lone CR, as Python's csv module counts lines) that give records their physical lines.
    """

    def __init__(self, raw, delimiter: str, limit: int | None = None):
        import numpy as np

        self._np = np
        self.raw = raw
        self.limit = limit  # bound on the bytes read (a gzip stream's expansion)
        self.consumed = 0
        self.stop: str | None = None  # why reading stopped early: "bom", "nul", "quote", "limit"
        self.error: BaseException | None = None  # an error of the raw stream (a corrupt gzip file)
        self.control = False  # a control character was seen: cells are then checked one by one
        self.quotes = False  # a quote was seen: records may then hold line breaks
        self.breaks = 0  # line breaks seen
        self.tail_breaks = 0  # line breaks in the run of CR/LF bytes at the end of what was read
        self.ends_with_break = False
        self._prev = b""  # the last byte of the previous chunk
        self._pending: int | None = None  # the byte before a quote that ended the previous chunk
        self._ordinary = np.ones(256, bool)  # bytes that may not surround a quote on both sides
        self._ordinary[[10, 13, 34, *delimiter.encode("utf-8")[:1]]] = False
        self._first = True
        self._held = b""  # blank lines not yet handed on (read)
        self._handed_break = False  # what was handed on ends with a line break
        self._handed_cr = False  # ... with a CR

    def read(self, n: int = -1) -> bytes:
        """The next bytes for Arrow. Of a run of line breaks, the first (the end of a row) is handed on at
        once and the rest (blank lines) held back until something follows them; at the end of the file the
        held blank lines are dropped (they are not rows): 3 MB of trailing blank lines are never parsed into
        millions of rows of empty cells (issue 27). `breaks` and `tail_breaks` then count what Arrow got."""
        while True:
            chunk = self._next(n)
            if self.stop or self.error:
                return b""
            if not chunk:
                if self._held:
                    held, self._held = self._held, b""
                    dropped = held.count(b"\n") + held.count(b"\r") - held.count(b"\r\n")
                    self.breaks -= dropped - (self._handed_cr and held[:1] == b"\n")  # (a CRLF cut between reads)
                    self.tail_breaks = 1
                return b""
            body = chunk.rstrip(b"\r\n")
            if not body and (self._held or self._handed_break):
                self._held += chunk  # more blank lines: held on
                continue
            run = chunk[len(body):]
            first = run[:2] if run.startswith(b"\r\n") else run[:1]
            out = self._held + chunk[:len(body) + len(first)] if self._held else chunk[:len(body) + len(first)]
            self._held = run[len(first):]
            self._handed_break, self._handed_cr = bool(first), out.endswith(b"\r")
            return out

    def _next(self, n: int) -> bytes:
        if self.stop or self.error:
            return b""
        try:
            chunk = self.raw.read(n if n and n > 0 else STREAM_BLOCK_BYTES)
        except Exception as exc:  # noqa: BLE001 - the raw stream's own error (gzip, OS), raised by the caller
            self.error = exc
            return b""
        if self._first:
            self._first = False
            if chunk[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                self.stop = "bom"  # UTF-16/32: the exact reader refuses it
                return b""
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]  # a UTF-8 byte-order mark is dropped, as the exact reader does
        if chunk:
            self.consumed += len(chunk)
            if self.limit is not None and self.consumed > self.limit:
                self.stop = "limit"
                return b""
            self._scan(chunk)
        return b"" if self.stop else chunk

    def _scan(self, c: bytes) -> None:
        np = self._np
        a = np.frombuffer(c, np.uint8)
        counts = np.bincount(a[a < 32], minlength=32)  # (a mask, not positions: half the time)
        if counts[0]:
            self.stop = "nul"
            return
        if (counts[_C0].any() or c.find(b"\x7f") >= 0 or (c.find(b"\xc2") >= 0 and _C1.search(c))
                or (self._prev == b"\xc2" and 0x80 <= c[0] <= 0x9f)):  # (a C1 control cut between two chunks)
            self.control = True
        crlf = 0
        if counts[13]:
            after = np.flatnonzero(a == 13) + 1
            crlf = int(np.count_nonzero(a[after[after < len(a)]] == 10))
        crlf += self._prev == b"\r" and c[:1] == b"\n"
        self.breaks += int(counts[10]) + int(counts[13]) - crlf
        body = c.rstrip(b"\r\n")
        run = c[len(body):]
        run_breaks = run.count(b"\n") + run.count(b"\r") - run.count(b"\r\n")
        self.tail_breaks = run_breaks if body else self.tail_breaks + run_breaks - (self._prev == b"\r" and run[:1] == b"\n")
        self.ends_with_break = bool(run)
        if self._pending is not None or c.find(b'"') >= 0:
            self.quotes = True
            self._check_quotes(a)
        self._prev = c[-1:]

    def _check_quotes(self, a) -> None:
        ordinary = self._ordinary
        if self._pending is not None:  # a quote ended the previous chunk: its next byte is this one
            if ordinary[self._pending] and ordinary[a[0]]:
                self.stop = "quote"
                return
            self._pending = None
        q = self._np.flatnonzero(a == 34)
        if len(q) and q[-1] == len(a) - 1:
            self._pending = int(a[-2]) if len(a) > 1 else (self._prev[0] if self._prev else 10)
            q = q[:-1]
        if len(q) and q[0] == 0:
            if ordinary[self._prev[0] if self._prev else 10] and ordinary[a[1]]:
                self.stop = "quote"
                return
            q = q[1:]
        if len(q) and (ordinary[a[q - 1]] & ordinary[a[q + 1]]).any():
            self.stop = "quote"


class Replay(_Stream):
    """The first chunk again (read to find the header), then the rest of the scan."""

    def __init__(self, first: bytes, scan: ByteScan):
        self._first: bytes | None = first
        self._scan = scan

    def read(self, n: int = -1) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return self._scan.read(n)
