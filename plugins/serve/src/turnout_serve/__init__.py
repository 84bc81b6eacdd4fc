"""turnout serve: an OpenAI-compatible gateway in front of the turnout runtime."""
