"""Kaidan (階段): the staircase of a municipality's digital transformation."""

__version__ = "0.1.0"
