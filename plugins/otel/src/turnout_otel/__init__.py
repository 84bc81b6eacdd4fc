"""OpenTelemetry traces for turnout."""
