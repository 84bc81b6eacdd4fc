"""The native Anthropic Messages runtime for turnout (HTTP/SSE, no SDK)."""
