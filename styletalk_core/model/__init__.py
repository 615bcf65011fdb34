"""The StyleTalk network (official architecture), its checkpoints and how it is run."""
