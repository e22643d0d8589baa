"""Question in, answer with exact figures and cited source rows out."""
