"""Jitasa (จิตอาสา): a help map for Thailand."""

__version__ = "0.1.0"
