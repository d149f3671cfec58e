"""Corpus recipes: each reads one corpus's native metadata into the normalized source table."""
