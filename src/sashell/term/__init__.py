"""The terminal front ends: the prompt-toolkit REPL and the streaming printer for probe/REPL."""
