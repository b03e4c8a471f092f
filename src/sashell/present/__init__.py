"""Presentation shared by every front end: Rich renderers, sweep tables and charts, exports."""
