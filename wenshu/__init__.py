"""wenshu (文书): activity ledgers in, filed official documents out."""

__version__ = "0.1.0"
