"""Streaming ingestion of messy municipal spreadsheets (CSV/TSV/Excel/ODS/JSON).

Pure Python and free of Django so that it can be tested and reused without
settings; the Django side (models, services, views) builds on ``plan.analyze``.
"""
