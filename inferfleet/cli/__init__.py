"""The command-line interface: a thin layer over the toolkit's functions."""
