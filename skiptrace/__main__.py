"""`python -m skiptrace` is the `skiptrace` command."""

from skiptrace.flows.cli.main import main

main()
