#!/usr/bin/env bash
# The tests of windeep.spark: PySpark from PyPI in local mode (local[2]) on Java 17.
# Usage: bindings-python/test-spark.sh VENV  (a virtual environment with windeep installed).
# Installs a Java 17 runtime from Debian when no java is found, and pyspark into VENV.
set -euo pipefail
cd "$(dirname "$0")"
venv="${1:?usage: test-spark.sh VENV}"
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo); fi
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
java -version 2>&1 | head -1
"$venv/bin/pip" install --quiet 'pyspark>=4.0' pytest
"$venv/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'
PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests-spark
