"""Routers, one module per domain; thin over :mod:`idic.service` and :mod:`idic.privacy`."""
