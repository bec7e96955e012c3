"""The ``wlr-geo`` command line interface (one module per command, loaded lazily)."""
