"""Retargeting: our animation on other faces. One correspondence path (render a mesh from the front,
find MediaPipe's 468 landmarks on the render, cast them back onto the surface) serves the ARKit basis
build and users' own characters; bounded, regularised solves turn our motion into their weights."""
