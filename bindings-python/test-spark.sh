#!/usr/bin/env bash
# The tests of windeep.spark: PySpark from PyPI in local mode (local[2]) on Java 17, on the
# newest PySpark and on the oldest one the `spark` extra accepts (3.5).
# Usage: bindings-python/test-spark.sh VENV  (a virtual environment with windeep installed).
# Installs a Java 17 runtime from Debian when no java is found, the newest pyspark into VENV,
# and pyspark 3.5 into VENV-spark35, a second environment that sees VENV's packages (windeep,
# pyarrow, pandas, numpy, pytest) through a .pth file but imports its own pyspark.
set -euo pipefail
cd "$(dirname "$0")"
venv="$(cd "${1:?usage: test-spark.sh VENV}" && pwd)"
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo); fi
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
java -version 2>&1 | head -1
"$venv/bin/pip" install --quiet 'pyspark>=3.5' pytest
run_tests() {
  local py="$1"
  "$py" -c 'import pyspark, pandas, pyarrow; print("pyspark", pyspark.__version__, "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)'
  PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py" "$py" -m pytest -q -p no:cacheprovider tests-spark
}
run_tests "$venv/bin/python"

old="$venv-spark35"
if [ ! -x "$old/bin/python" ]; then
  python3 -m venv "$old"
fi
"$old/bin/pip" install --quiet 'pyspark>=3.5,<3.6'
site() { "$1" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
site "$venv/bin/python" > "$(site "$old/bin/python")/windeep-ci-base.pth"
run_tests "$old/bin/python"
