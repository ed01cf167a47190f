"""Revisions, one module each, oldest first: ``NNNN_<what>.py``."""
