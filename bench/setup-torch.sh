#!/usr/bin/env bash
# Installs Debian's PyTorch for the benchmark's PyTorch columns and points it at OpenBLAS. Needs root
# (apt-get). Debian's torch is built with BLAS_INFO=generic: it calls whatever libblas.so.3 the
# alternatives system selects, and with only the reference BLAS that is ~6 GFLOP/s at n = 1024.
# libopenblas0-openmp, not -pthread: torch runs its own threads with OpenMP (libgomp), and OpenBLAS's
# OpenMP build shares that pool, so torch.set_num_threads(1) really means one thread inside BLAS too.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch libopenblas0-openmp
arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
# Installing it selects it already (priority 95 against 10); set it explicitly in case a manual choice was made.
update-alternatives --set "libblas.so.3-$arch" "/usr/lib/$arch/openblas-openmp/libblas.so.3"
update-alternatives --set "liblapack.so.3-$arch" "/usr/lib/$arch/openblas-openmp/liblapack.so.3"
/usr/bin/python3 - <<'PY'
import os, torch
torch.ones(2, 2) @ torch.ones(2, 2)
libs = sorted({os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
print("torch", torch.__version__, "loads", ", ".join(libs))
PY
