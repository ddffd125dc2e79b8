"""Try-on engines behind one interface (``base.TryOnEngine``); which one runs is ``registry.configured_engine``."""
