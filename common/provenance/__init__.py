"""Content Credentials for generated images: a signed C2PA manifest and the IPTC digital source type in XMP
(signing.py), the install's signing identity (identity.py), reading both back for verification
(reading.py) and the visible "AI generated" mark (marks.py).

Generic: what an image claims (who made it, with which generator, for which shop) is described by the
product that made it (``content/labels.py``, ``tryon/labels.py``); nothing here knows a product.
"""
