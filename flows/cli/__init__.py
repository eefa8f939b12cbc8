"""The `skiptrace` command line: the top layer, above every flow."""
