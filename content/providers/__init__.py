"""Image providers of the Content Service: AI artwork generators behind one Protocol, plus the template renderer.

The AI providers draw only the artwork; :mod:`content.providers.template` (our compositor) always sets the
Korean title, gift name, brand colour and logo on top, because AI models draw Korean text poorly.
"""
