"""Plans: one module per family of questions, each turning an Intent into SQL and an Answer."""
