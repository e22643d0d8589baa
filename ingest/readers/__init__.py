"""Readers turn one file into format-free blocks (see ``db.blocks``)."""
