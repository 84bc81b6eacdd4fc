"""The broad fallback runtime for turnout, built on pydantic-ai's direct model API."""
