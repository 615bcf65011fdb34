"""Neural face renderer (PIRenderer-style) and weights-free previews."""
