"""The embedded face model (MediaPipe topology, 64 expression bases) and landmark tracking."""
