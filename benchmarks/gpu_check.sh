#!/usr/bin/env bash
# One prepared GPU measurement (about 5-8 minutes on one modern GPU). Run from anywhere:
#   bash benchmarks/gpu_check.sh            # JSON files land in $OUT (default benchmarks/out)
# Needs torch with CUDA and the project's dependencies (lightning, hydra-core, torchmetrics,
# scikit-learn, scipy); the package itself is used from src/ (no install needed).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-benchmarks/out}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src:$PWD" WANDB_MODE=offline GMVAE_DATA_DIR="${GMVAE_DATA_DIR:-data}"
python -c "import lightning, hydra, torchmetrics, sklearn, scipy" || {
  echo "missing dependencies: pip install -e . (or the packages above) first" >&2
  exit 1
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv"
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(), \
  'bf16' if torch.cuda.is_bf16_supported() else 'no-bf16')" | tee "$OUT/torch.txt"

# samples/s of one training step at batch 64/256/1024: fp32, bf16 autocast, torch.compile
timeout 300 python benchmarks/torch_compile.py --device cuda --bf16 \
  --batch-sizes 64 256 1024 --steps 100 --repeats 3 --threads 4 \
  > "$OUT/gpu_step.json" || echo "torch_compile.py failed or timed out" >&2
cat "$OUT/gpu_step.json" || true

# epoch time (60,000 MNIST-sized samples): our Trainer loop vs a bare loop, data on the GPU
timeout 300 python benchmarks/epoch_time.py --device cuda --repeats 2 --threads 4 \
  --batch-sizes 64 256 1024 > "$OUT/gpu_epoch_time.json" || echo "epoch_time.py failed" >&2
cat "$OUT/gpu_epoch_time.json" || true
