"""The Textual front end: `sashell` with no subcommand."""
