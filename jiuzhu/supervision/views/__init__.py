"""Pages of supervision, one module per capability."""
