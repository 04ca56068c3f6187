"""Gemba: an integrated ERP + MES for discrete manufacturers."""

__version__ = "0.1.0"
