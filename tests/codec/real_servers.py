"""Real servers for the interop tests (imported relatively): a throw-away
PostgreSQL cluster and a dnsmasq, each on a free loopback port, started and
stopped by the caller.  Where a server is not installed (Debian packages
``postgresql`` and ``dnsmasq``, which ``.ci/run`` installs) the caller skips with
the reason -- pytest's ``-ra`` summary prints it."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["postgres_cluster", "dnsmasq_server", "free_port"]


def free_port() -> int:
    """A loopback port free for both TCP and UDP right now."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port for TCP and UDP")


def _wait_for_port(port: int, proc: subprocess.Popen | None, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {seconds} s")


def _postgres_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parts[-3]
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    return max(candidates, key=version) if candidates else None


def _unprivileged() -> tuple[int, int] | None:
    """``(uid, gid)`` to run a server as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    pytest.skip("running as root and no unprivileged user (postgres, nobody) to run initdb as")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[tuple[str, int]]:
    """A fresh cluster (trust auth, user ``postgres``) on ``127.0.0.1``: yields
    ``(host, port)``; stopped and deleted afterwards."""
    initdb, postgres = _postgres_tool("initdb"), _postgres_tool("postgres")
    if initdb is None or postgres is None:
        pytest.skip("PostgreSQL server not installed (Debian package postgresql): no initdb")
    ids = _unprivileged()
    # /tmp, not $TMPDIR: the unprivileged user must be able to reach the directory
    base = Path(tempfile.mkdtemp(prefix="wirekit-pg-", dir="/tmp" if ids is not None else None))
    run_as: dict = {}
    if ids is not None:
        os.chown(base, *ids)
        run_as = {"user": ids[0], "group": ids[1], "extra_groups": []}
    data = base / "data"
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        done = subprocess.run(
            [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            **run_as,
        )
        if done.returncode != 0:
            pytest.skip(f"initdb failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        port = free_port()
        # the server itself as our child (not via pg_ctl), so stopping it reaps it
        # fmt: off
        args = [
            postgres, "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(base),
            "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "logging_collector=off",
        ]
        # fmt: on
        proc = subprocess.Popen(
            args,
            cwd=base,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **run_as,
        )
        try:
            try:
                _wait_for_postgres(data / "postmaster.pid", proc, 60)
                _wait_for_port(port, proc, 10, "PostgreSQL")
            except RuntimeError as exc:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
                pytest.skip(f"PostgreSQL did not start: {exc}: {err.strip()[-500:]}")
            yield "127.0.0.1", port
        finally:
            _stop(proc, signal.SIGINT)  # "fast" shutdown
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _wait_for_postgres(pidfile: Path, proc: subprocess.Popen, seconds: float) -> None:
    """Until the server says "ready" in its pid file (it accepts connections on
    its port a little before it accepts sessions)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited with {proc.returncode}")
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            lines = []
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return
        time.sleep(0.05)
    raise RuntimeError(f"postgres was not ready within {seconds} s")


def _stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if proc.stderr is not None:
        proc.stderr.close()


@contextlib.contextmanager
def dnsmasq_server(records: dict[str, str]) -> Iterator[tuple[str, int]]:
    """dnsmasq answering A queries for ``records`` (name -> IPv4) and nothing else
    (no upstream, no /etc/hosts), on ``127.0.0.1`` over UDP and TCP: yields
    ``(host, port)``."""
    exe = shutil.which("dnsmasq") or next(
        (p for p in ("/usr/sbin/dnsmasq", "/sbin/dnsmasq") if os.path.exists(p)), None
    )
    if exe is None:
        pytest.skip("dnsmasq not installed (Debian package dnsmasq)")
    base = Path(tempfile.mkdtemp(prefix="wirekit-dns-"))
    port = free_port()
    args = [
        exe,
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        f"--pid-file={base / 'dnsmasq.pid'}",
        *(f"--address=/{name}/{ip}" for name, ip in records.items()),
    ]
    if os.geteuid() == 0:
        args.append("--user=root")  # no user switch: the pid file stays writable
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            _wait_for_port(port, proc, 10, "dnsmasq")
        except RuntimeError as exc:
            err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
            pytest.skip(f"dnsmasq did not start: {exc}: {err.strip()[-500:]}")
        yield "127.0.0.1", port
    finally:
        _stop(proc, signal.SIGTERM)
        shutil.rmtree(base, ignore_errors=True)
