"""golive: a production deployment plan that runs, gates, measures, rolls back and leaves evidence."""

__version__ = "0.1.0"
