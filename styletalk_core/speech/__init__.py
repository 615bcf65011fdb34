"""Speech in: audio decoding, voice-activity segments and 30 fps phoneme labels (pocketsphinx)."""
