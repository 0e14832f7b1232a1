"""Test doubles that run as real local servers (no mocked client objects)."""
