"""Polestar: one joined-up POLE picture for a police force and its partners."""
