"""StyleTalk toolkit core: the expression network, inputs (phonemes, style clips), inference, curves, training."""
