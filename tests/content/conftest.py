"""The access tests' users and controlled release, for the audit-chain tests here."""

from tests.access.conftest import controlled, people, small_table  # noqa: F401
