"""Notification rules of a project: who hears about which changes of which cases."""
