"""The native OpenAI Responses runtime for turnout (HTTP/SSE, no SDK)."""
