"""Orchestration, exports and the command line: the Prefect flows that run skiptrace."""

__version__ = "0.1.0"
