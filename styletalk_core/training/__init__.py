"""Training and evaluation of generators: data, losses, discriminators, the loop and held-out metrics.
Only the CLI (and scripts) import this package."""
