"""The Spark session validation runs on: local mode by default, a cluster or Spark Connect when asked.

- no master given: Spark Connect when `SPARK_REMOTE` is set (`sc://host:15002`), else local mode
  `local[2]` in a JVM started here;
- `--spark-master URL` (`spark://host:7077`, `yarn`, `k8s://...`, `local[*]`): that cluster, the
  driver in this process; an `sc://` URL is Spark Connect.

One session per process: it is started on first use and reused (a test session starts one JVM). A
session the caller already has (a notebook's) is used as it is. The JVM's output goes to a log file,
never to the terminal, and its log level is off; a JVM that cannot start (no Java, Java too old,
an unreachable master) is reported as SparkUnavailable with what to do, never as a traceback.
"""
from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

DEFAULT_MASTER = "local[2]"
MIN_JAVA = 17  # Spark 4 runs on Java 17 or 21
INSTALL_HINT = "pip install 'iraq-frontiers[spark]'"

# Settings that make Spark read and compare as the local engine does (see run.py for the rest).
SEMANTICS = {
    "spark.sql.session.timeZone": "UTC",  # dates and timestamps are never shifted to the machine's zone
    "spark.sql.ansi.enabled": "true",  # overflow and bad casts fail, as in DuckDB, instead of wrapping or giving null
    "spark.sql.caseSensitive": "true",  # field names are compared exactly, as Table Schema does
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",  # proleptic Gregorian dates, as Arrow writes them
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
}
LOCAL = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",  # two cores; 200 is for clusters (adaptive execution coalesces further)
    "spark.driver.memory": "2g",  # local mode: the driver is the executor; bounded like DuckDB's 2GB
}

_session: Any = None
_log_path: Path | None = None
_started_locally = False  # True when _session is a local-mode JVM this module started (its settings are ours to tune)


class SparkUnavailable(Exception):
    """Spark cannot start here; the message says why and what to do (exit code 2, no traceback)."""


def java_problem() -> str | None:
    """Why a local JVM cannot start (no Java, or older than 17), or None when Java is fine."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={home!r} has no bin/java" if home else "no `java` on PATH and JAVA_HOME is not set"
        return (f"--engine spark needs Java {MIN_JAVA} or newer ({where}): install a JDK or JRE "
                f"(e.g. `apt-get install openjdk-{MIN_JAVA}-jre-headless`), or use a cluster through SPARK_REMOTE")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--engine spark could not run {java} -version: {exc}"
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = int(found.group(1)) if found else 0
    if major == 1 and found.group(2):  # "1.8.0" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        return f"--engine spark needs Java {MIN_JAVA} or newer; {java} is Java {major or 'of an unknown version'} (set JAVA_HOME to a newer one)"
    return None


def spark_available() -> str | None:
    """Why the Spark engine cannot run in local mode here (pyspark or Java missing), or None. For tests' skips."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"pyspark is not installed ({INSTALL_HINT})"
    return java_problem()


def get_session(master: str | None = None):
    """The process's Spark session (started on first use); see the module's docstring for `master`."""
    global _session
    if _session is not None and (master is None or _master_of(_session) == master):
        return _session
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable(f"--engine spark needs the Python package 'pyspark', which is not installed: {INSTALL_HINT}") from None
    _quiet_python_side()
    from pyspark.sql import SparkSession

    remote = master if master and master.startswith("sc://") else (os.environ.get("SPARK_REMOTE") if master is None else None)
    active = SparkSession.getActiveSession()
    if active is not None and master is None and remote is None:
        _session = active  # the caller's own session (a notebook's, a job's)
        return _session
    if _session is not None:
        _session.stop()
        _session = None
    _session = _connect(remote) if remote else _start(master or DEFAULT_MASTER)
    return _session


def _master_of(session) -> str | None:
    try:
        return session.conf.get("spark.master")
    except Exception:  # noqa: BLE001 - Spark Connect sessions may not expose it
        return None


def _quiet_python_side() -> None:
    # pyspark warns about pandas 3 on import, and logs every failed query with its JVM stack
    # before raising it; we turn the exception into a report ourselves.
    warnings.filterwarnings("ignore", module=r"pyspark(\.|$)")
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger", "py4j", "py4j.clientserver", "py4j.java_gateway"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _connect(url: str):
    from pyspark.sql import SparkSession

    try:
        return SparkSession.builder.remote(url).config(map=SEMANTICS).getOrCreate()
    except ImportError as exc:
        raise SparkUnavailable(f"Spark Connect ({url}) needs {exc.name or 'a package'} ({INSTALL_HINT} installs it)") from None
    except Exception as exc:  # noqa: BLE001 - an unreachable server, a refused setting
        raise SparkUnavailable(f"cannot use the Spark Connect server {url}: {_first_line(exc)}") from None


def _start(master: str):
    """Start a JVM for `master` with this process's Python for the workers and its output in a log file."""
    global _log_path
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    problem = java_problem()
    if problem:
        raise SparkUnavailable(problem)
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no lookup of the host's name
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers see the packages this process sees
    level = "warn" if os.environ.get("IRAQ_FRONTIERS_DEBUG") == "1" else "off"
    log4j = Path(__file__).with_name("log4j2.properties")
    java_options = f"-Dlog4j2.configurationFile={log4j.as_uri()} -Diraq_frontiers.spark.level={level}"
    conf = SparkConf().setMaster(master).setAppName("iraq-frontiers validate")
    for key, value in {**SEMANTICS, **(LOCAL if local else {})}.items():
        conf.set(key, value)
    conf.set("spark.driver.extraJavaOptions", java_options)
    fd, name = tempfile.mkstemp(prefix="iraq-frontiers-spark-", suffix=".log")
    _log_path = Path(name)
    try:
        with os.fdopen(fd, "ab") as log:  # the JVM writes its stdout and stderr here, never to the terminal
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
        context = SparkContext(master=master, conf=conf, gateway=gateway)
    except Exception as exc:  # noqa: BLE001 - JVM exited, master unreachable, bad setting
        raise SparkUnavailable(f"Spark ({master}) did not start: {_first_line(exc)}{_log_tail()}") from None
    session = SparkSession(context)
    atexit.register(_stop)
    global _started_locally
    _started_locally = local
    return session


class semantics:
    """A context in which the session reads and compares as the local engine does (SEMANTICS), the
    caller's own settings restored afterwards (a notebook's session is borrowed, not changed)."""

    def __init__(self, spark):
        self.spark = spark
        self.saved: dict[str, str | None] = {}

    def __enter__(self):
        for key, value in SEMANTICS.items():
            try:
                self.saved[key] = self.spark.conf.get(key, None)
            except Exception:  # noqa: BLE001 - a setting this Spark does not know
                self.saved[key] = None
            self.spark.conf.set(key, value)
        return self.spark

    def __exit__(self, *exc) -> None:
        for key, value in self.saved.items():
            try:
                if value is None:
                    self.spark.conf.unset(key)
                else:
                    self.spark.conf.set(key, value)
            except Exception:  # noqa: BLE001 - the session may be gone (interrupted)
                pass


def tune_for(spark, rows: int) -> None:
    """In a local-mode session started here: one shuffle partition for small packages (each is a task
    with a fixed cost), four beyond (two cores, room for skew). A cluster's settings are its own."""
    if spark is _session and _started_locally:
        spark.conf.set("spark.sql.shuffle.partitions", "1" if rows < 500_000 else LOCAL["spark.sql.shuffle.partitions"])


def _stop() -> None:
    global _session
    if _session is not None:
        try:
            _session.stop()
        except Exception:  # noqa: BLE001 - the JVM may be gone already
            pass
        _session = None
    if _log_path is not None and os.environ.get("IRAQ_FRONTIERS_DEBUG") != "1":
        _log_path.unlink(missing_ok=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _log_tail() -> str:
    if _log_path is None or not _log_path.is_file():
        return ""
    lines = [line for line in _log_path.read_text(errors="replace").splitlines() if line.strip()][-3:]
    return ("; the JVM said: " + " | ".join(lines))[:600] if lines else ""
