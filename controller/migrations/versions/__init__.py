"""Revisions, one file each, numbered in order (see ../README.md)."""
