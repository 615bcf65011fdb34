"""StyleTalk Blender extension: a face mesh with 64 expression shape keys, curves -> keyframes,
generation with progress and cancel, exports. bpy is imported only at registration, so the pure
modules (keys, jobs, formats) can be imported and tested without Blender."""


def register() -> None:
    from . import ui

    ui.register()


def unregister() -> None:
    from . import ui

    ui.unregister()
