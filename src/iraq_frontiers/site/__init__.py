"""The static site of a release (see iraq_frontiers.site.build)."""
