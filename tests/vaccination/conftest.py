"""Vaccination test fixtures: the import tests' session factory."""

from tests.imports.conftest import factory

__all__ = ["factory"]
