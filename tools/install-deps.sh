#!/bin/sh
# install-deps.sh - the Debian 12 packages hpo builds, tests and runs with.
# Run as root (or through sudo). Safe to run again.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential pkg-config ca-certificates \
    libjansson-dev libcmocka-dev zlib1g-dev libopenblas-dev libyaml-dev \
    libsqlite3-dev libpq-dev postgresql python3-venv liblapacke-dev liblbfgsb-dev \
    libmicrohttpd-dev chromium fonts-dejavu-core \
    python3-torch python3-pandas libopenblas0-pthread \
    dataset-fashion-mnist >/dev/null
