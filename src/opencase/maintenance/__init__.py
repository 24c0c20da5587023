"""Maintenance windows: time ranges in which notifications for matching cases are held back."""
