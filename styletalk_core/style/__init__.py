"""Style in: style clips and poses from official files, and from videos of a talking face."""
