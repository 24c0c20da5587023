"""Automation rules of a project: when a trigger fires on a case, run an action."""
