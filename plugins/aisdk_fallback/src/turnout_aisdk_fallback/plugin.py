"""Hook implementations of turnout-aisdk-fallback."""
