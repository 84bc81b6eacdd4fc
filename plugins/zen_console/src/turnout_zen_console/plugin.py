"""Hook implementations of turnout-zen-console."""
