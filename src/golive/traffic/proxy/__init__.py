"""The built-in weighted proxy: the server (its own process), its command line, and the Router that drives it."""
