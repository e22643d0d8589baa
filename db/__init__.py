"""The SQL store (SQLAlchemy) and the vector index (ChromaDB)."""
