"""The Spark engine: the check specification run by Spark SQL (local mode, a cluster or Spark Connect)."""
