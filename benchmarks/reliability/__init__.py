"""Reliability and security checks run by hand, not in CI: leaks, fuzzing, crash safety, soak, malformed files."""
