"""Tests of ``wirekit.tools.bench`` (a package so that module names cannot clash)."""
