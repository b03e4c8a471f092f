"""Headless core of sashell: never imports a UI library (textual, prompt_toolkit)."""
