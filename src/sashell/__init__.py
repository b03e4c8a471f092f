"""sashell: a situational-awareness probing shell."""

__version__ = "0.1.0"
