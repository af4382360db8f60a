"""Reliability and security checks run by hand (not in CI): leak sweep, API fuzzing, crash safety, soak, malformed files."""
