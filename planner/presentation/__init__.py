"""Presentation: the brief, charts, notebook displays, the HTML report and the translations."""
