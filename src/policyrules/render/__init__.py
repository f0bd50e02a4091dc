"""Rendering decisions and reports for people: text today, markdown and HTML to come."""
