"""Admin tools behind the command line: check, ask, eval (no telegram import)."""
