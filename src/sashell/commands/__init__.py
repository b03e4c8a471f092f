"""One module per `sashell` subcommand: argument parsing and output, over the headless core."""
