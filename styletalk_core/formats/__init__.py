"""File formats and the shared array layout. Imports nothing from the rest of the package (and no
torch at import), so the Blender extension ships these modules as they are."""
