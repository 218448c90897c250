"""The static site of a release (see iraq_frontiers.release.site.build)."""
