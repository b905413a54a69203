"""Neutral, dependency-free building blocks that lib/, policies/ and compliance/ all read."""
