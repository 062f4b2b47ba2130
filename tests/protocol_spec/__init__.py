"""Tests of ``wirekit.protocol_spec`` (a package so that module names cannot clash)."""
