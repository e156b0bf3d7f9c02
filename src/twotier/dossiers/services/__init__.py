"""Writes for dossiers: one service per transition of the state table."""
