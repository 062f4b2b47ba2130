"""The ``capture`` group: ``wirekit decode`` on a generated DNS-over-TCP capture.

A ~100 MB pcap (quick: ~2 MB) of 64 interleaved DNS-over-TCP connections
(:mod:`wirekit.tools.capture.generate`: u16 length framing, ~1.9M messages in
~120k packets) is decoded, each contender in its own process, its output
written to ``/dev/null``, timed by ``Case.measure`` (the work is in
a child process), messages per second of the child's CPU time (user + system,
from ``wait4``):

* ``wirekit decode --raw --json`` (frames as JSON Lines) -- against tshark
  (target ``capture.tshark.raw``) and a hand-written ``struct`` pcap + header +
  u16 deframing loop (:func:`struct_loop`, the limit: no reassembly, no output;
  context);
* ``wirekit decode --spec dns --json`` (every message decoded and mapped to
  JSON), when the built-in ``dns`` spec is installed -- against tshark (target
  ``capture.tshark.dns``);
* tshark is ``tshark -r FILE -d tcp.port==53,dns -Y dns -T fields -e dns.id``,
  only where it is installed.

Before timing, every contender's message count is checked against the
generator's (:class:`BaselineMismatch`).  Each wirekit run's peak RSS (the
child's ``VmHWM``) is reported against the 200 MB limit as a ratio
``limit / peak`` (target ``capture.rss``: >= 1 means under the limit).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from ..capture.generate import write_dns_capture
from ..spec_loader import builtin_names
from .compare import Baseline, compare
from .record import QUICK_NOTE, Record
from .registry import Settings, register
from .targets import target
from .timing import Case
from .verify import BaselineMismatch

__all__ = ["struct_loop", "capture_records", "bench_capture", "RSS_LIMIT_MB"]

UNIT = "messages/s"
FULL_BYTES = 100_000_000
QUICK_BYTES = 2_000_000
RSS_LIMIT_MB = 200.0
_TSHARK_ARGS = ["-d", "tcp.port==53,dns", "-Y", "dns", "-T", "fields", "-e", "dns.id"]


def struct_loop(path: str) -> int:
    """The limit: read pcap records, parse Ethernet/IPv4/TCP headers and deframe u16
    length-prefixed messages per direction with precompiled structs, assuming
    every segment arrives once and in order.  Returns the message count."""
    rec = struct.Struct("<IIII").unpack_from
    u16 = struct.Struct(">H").unpack_from
    ports = struct.Struct(">HH").unpack_from
    bufs: dict[tuple, bytes] = {}
    count = 0
    with open(path, "rb") as f:
        f.read(24)  # the file header: Ethernet, little-endian, as generated
        buf = b""
        pos = 0
        while chunk := f.read(1 << 20):
            buf = buf[pos:] + chunk
            pos = 0
            end = len(buf)
            while pos + 16 <= end:
                caplen = rec(buf, pos)[2]
                nxt = pos + 16 + caplen
                if nxt > end:
                    break
                ip = pos + 16 + 14
                ihl = (buf[ip] & 15) * 4
                total = u16(buf, ip + 2)[0]
                tcp = ip + ihl
                doff = (buf[tcp + 12] >> 4) * 4
                payload = buf[tcp + doff : ip + total]
                pos = nxt
                if not payload:
                    continue
                key = (buf[ip + 12 : ip + 20], ports(buf, tcp))
                stream = bufs.get(key, b"") + payload
                p = 0
                n = len(stream)
                while p + 2 <= n:
                    size = u16(stream, p)[0]
                    if p + 2 + size > n:
                        break
                    _body = stream[p + 2 : p + 2 + size]
                    count += 1
                    p += 2 + size
                bufs[key] = stream[p:]
    return count


def _hwm_mb(pid: int) -> float | None:
    """The peak RSS so far (``VmHWM``) of a running process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _run(argv: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MB) of one child process run to the
    end, its output to ``/dev/null``.  CPU time, like the harness's thread clock:
    on a shared machine the time other processes hold the CPU is not charged.

    The peak RSS is the child's own ``VmHWM``, sampled every 20 ms until it exits:
    ``wait4``'s ``ru_maxrss`` would include the parent's pages the child had
    between fork and exec.  Without /proc, ``ru_maxrss`` is used."""
    with open(os.devnull, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        peak: float | None = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            hwm = _hwm_mb(proc.pid)
            if hwm is not None:
                peak = hwm if peak is None else max(peak, hwm)
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise BaselineMismatch(f"{' '.join(argv[:5])}... exited with status {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, peak if peak is not None else usage.ru_maxrss / 1024


def _count(argv: list[str], kind: str) -> int:
    """Run once, counting its messages as its output streams by (not kept)."""
    count = 0
    tail = b""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - stdout=PIPE always gives one
            raise RuntimeError("no stdout pipe")
        while chunk := stdout.read(1 << 20):
            if kind == "lines":
                count += chunk.count(b"\n")
            elif kind == "ids":  # one line per packet, its ids comma-separated
                count += chunk.count(b",") + chunk.count(b"\n")
            else:
                tail += chunk
    return int(tail.strip() or 0) if kind == "int" else count


def _wirekit(path: str, *args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from wirekit.tools.cli import main; main()",
        "decode",
        path,
        *args,
    ]


class _Timed:
    """A contender run in a child process: its Case (wall clock) and its peak RSS."""

    def __init__(self, argv: list[str], messages: int) -> None:
        self.argv = argv
        self.rss: list[float] = []
        self.case = Case(self._never, messages, measure=self._measure)

    @staticmethod
    def _never() -> None:  # pragma: no cover - measure replaces run
        raise RuntimeError("timed with measure")

    def _measure(self) -> float:
        seconds, rss = _run(self.argv)
        self.rss.append(rss)
        return seconds


def _rss_record(settings: Settings, name: str, peaks: list[float]) -> Record:
    peak = max(peaks)
    goal = target("capture.rss")
    notes = [f"ratio = {RSS_LIMIT_MB:.0f} MB / peak RSS; peak {peak:.1f} MB"]
    if settings.quick:
        notes.append(QUICK_NOTE)
    return Record(
        group="capture",
        name=name,
        unit="MB peak RSS",
        value=peak,
        baseline=f"{RSS_LIMIT_MB:.0f} MB limit",
        baseline_value=RSS_LIMIT_MB,
        ratio=RSS_LIMIT_MB / peak,
        target=goal,
        met=RSS_LIMIT_MB / peak >= goal,
        gc="on",
        note="; ".join(notes),
    )


def capture_records(settings: Settings, size: int | None = None) -> list[Record]:
    """Generate the capture, verify every contender's count, time them."""
    nbytes = settings.size(FULL_BYTES, QUICK_BYTES) if size is None else size
    rounds = Settings(quick=settings.quick, repeat=min(settings.repeat, 3))
    tshark = shutil.which("tshark")
    with tempfile.TemporaryDirectory(prefix="wirekit-bench-") as tmp:
        path = os.path.join(tmp, "dns.pcap")
        with open(path, "wb") as f:
            info = write_dns_capture(f, nbytes, segment=1200)
        n = info["messages"]
        raw = _wirekit(path, "--raw", "--framing", "length:2", "--json")
        checks: list[tuple[str, list[str], str]] = [
            ("wirekit decode --raw --json", raw, "lines"),
            (
                "struct loop",
                [
                    sys.executable,
                    "-c",
                    "import sys; from wirekit.tools.bench.capture import struct_loop;"
                    " print(struct_loop(sys.argv[1]))",
                    path,
                ],
                "int",
            ),
        ]
        dns = "dns" in builtin_names()
        if dns:
            checks.append(
                (
                    "wirekit decode --spec dns --json",
                    _wirekit(path, "--spec", "dns", "--json"),
                    "lines",
                )
            )
        if tshark:
            checks.append(("tshark", [tshark, "-r", path, *_TSHARK_ARGS], "ids"))
        for name, argv, kind in checks:
            got = _count(argv, kind)
            if got != n:
                raise BaselineMismatch(f"{name} found {got} DNS messages, the capture has {n}")
        argv_of = {name: argv for name, argv, _k in checks}
        records: list[Record] = []
        raw_t = _Timed(raw, n)
        baselines = [Baseline("struct pcap loop", _Timed(argv_of["struct loop"], n).case)]
        if tshark:
            baselines.append(
                Baseline("tshark", _Timed(argv_of["tshark"], n).case, "capture.tshark.raw")
            )
        label = f"{nbytes / 1e6:.0f} MB, {n:,} msgs, {info['packets']:,} packets"
        records += compare(
            rounds, "capture", f"decode --raw --json ({label})", UNIT, raw_t.case, baselines
        )
        records.append(_rss_record(settings, "peak RSS: decode --raw --json", raw_t.rss))
        if dns:
            dns_t = _Timed(argv_of["wirekit decode --spec dns --json"], n)
            base = [Baseline("struct pcap loop", _Timed(argv_of["struct loop"], n).case)]
            if tshark:
                base.append(
                    Baseline("tshark", _Timed(argv_of["tshark"], n).case, "capture.tshark.dns")
                )
            records += compare(
                rounds, "capture", f"decode --spec dns --json ({label})", UNIT, dns_t.case, base
            )
            records.append(_rss_record(settings, "peak RSS: decode --spec dns --json", dns_t.rss))
    return records


@register("capture")
def bench_capture(settings: Settings) -> list[Record]:
    """``wirekit decode`` on a generated 100 MB DNS-over-TCP capture vs tshark and struct."""
    return capture_records(settings)
