"""Recognisers turn blocks into budget records, one module per document kind."""
