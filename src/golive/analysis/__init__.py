"""Canary analysis: metric sources feed Samples to the judge, which returns Verdicts."""
