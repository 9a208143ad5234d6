"""The bottom layer: types every other package shares (event models, step ids)."""
