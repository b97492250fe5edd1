"""The fault catalogue (filled in phase 2)."""
