"""The three template designs (one module each) and the palette and drawing tools they share."""
