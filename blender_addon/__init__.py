"""The Blender extension's sources (`styletalk/`), the builder that assembles it with the toolkit's
shared format modules (`build`), and the headless demo-scene script (`build_demo_scene`)."""
