"""slactl: measure a sales & marketing service level agreement from a local ledger."""

__version__ = "0.1.0"
