"""The configuration (lib/config/) under test, one file per concern."""
