"""Fixtures for the socket tests."""

from __future__ import annotations

import ssl
import threading

import pytest

from .net_helpers import open_fds, settle, tls_contexts


@pytest.fixture(scope="session")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """``(server_context, client_context)`` with a certificate made for this run."""
    return tls_contexts(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def no_leaks():
    """Fails the test if it leaves a file descriptor or a thread behind."""
    fds, threads = open_fds(), set(threading.enumerate())
    yield
    settle(fds, threads)
