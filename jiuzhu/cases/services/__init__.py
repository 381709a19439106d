"""The business actions on cases: each one a function with keyword-only arguments, `by` the acting user."""
