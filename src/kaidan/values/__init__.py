"""Value types at the ground floor (see types.py)."""
