"""Helpers shared by the benchmarks: FLOP counting, peak throughput, machine description, JSON output."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import statistics
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode, conv_flop_count

# Dense bf16 tensor-core peaks in TFLOP/s. NVIDIA's datasheets print twice these
# numbers "with sparsity": H200 SXM and H100 SXM 1,979, H100 PCIe 1,513, A100 624.
GPU_PEAK_BF16_TFLOPS = (
    ("H200", 989.4),
    ("H100 PCIe", 756.5),
    ("H100", 989.4),
    ("A100", 312.0),
)

# Galaxy10 DECaLS stores 256 x 256 RGB images, and finetune() decodes every data set
# to this edge before the model's own resize and crop run on its device.
STORAGE_SIZE = 256


def gpu_peak_tflops(name: str) -> float | None:
    """Return the dense bf16 peak of a GPU from its name, or None when the table lacks it."""
    for key, peak in GPU_PEAK_BF16_TFLOPS:
        if key.lower() in name.lower():
            return peak
    return None


def _conv_backward_flops(grad_out_shape, x_shape, w_shape, _bias, _stride, _padding, _dilation, transposed,
                         _output_padding, _groups, output_mask, out_shape=None, **kwargs) -> int:
    # Each gradient of a convolution (input and weight) costs one forward pass.
    # torch's own formula (read in torch 2.13) leaves the groups out of the weight
    # gradient. It counts that of a depthwise convolution once per channel, so ConvNeXt V2
    # nano's training step came out at 42 GFLOP per image instead of 14.7.
    forward = conv_flop_count(list(x_shape), list(w_shape), list(grad_out_shape), transposed)
    return forward * (int(bool(output_mask[0])) + int(bool(output_mask[1])))


def count_flops(run) -> int:
    """Count the matrix-multiply, convolution and attention FLOPs of ``run()``.

    Attention runs on the math backend while counting, because FlopCounterMode
    has no formula for the CPU flash kernel and would leave attention out. The
    count is the same on every device. Element-wise work (normalisation,
    activations, softmax, the augmentation) is not counted, as is usual for
    model FLOP utilisation.
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel

    counter = FlopCounterMode(display=False, custom_mapping={torch.ops.aten.convolution_backward: _conv_backward_flops})
    with sdpa_kernel([SDPBackend.MATH]), counter:
        run()
    return int(counter.get_total_flops())


def matmul_tflops(device: str, size: int | None = None, repeats: int = 5) -> dict:
    """Time square matrix products (bf16 on CUDA, fp32 on the CPU): the achievable ceiling for dense work.

    Returns the median and maximum TFLOP/s over ``repeats`` products, after one warm-up.
    """
    import time

    size = size or (8192 if device == "cuda" else 2048)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device, dtype)
    b = torch.randn(size, size, generator=generator).to(device, dtype)
    rates = []
    for index in range(repeats + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        if index:
            rates.append(2 * size**3 / (time.perf_counter() - started) / 1e12)
    return {"size": size, "dtype": str(dtype).removeprefix("torch."), "tflops": summarise(rates)}


def summarise(values: list[float]) -> dict:
    """Return the median, minimum, maximum and all values of a list of measurements."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": [round(value, 4) for value in values],
    }


def describe_machine(device: str) -> dict:
    """Return the date, CPU, GPU and library versions that a figure was measured with."""
    import transformers

    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "device": device,
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    if device == "cuda":
        properties = torch.cuda.get_device_properties(0)
        info |= {
            "gpu": torch.cuda.get_device_name(0),
            "gpu_memory_gib": round(properties.total_memory / 2**30, 1),
            "gpu_multiprocessors": properties.multi_processor_count,
            "cuda": torch.version.cuda,
        }
    return info


def command_line() -> str:
    """Return the command that started this process, as a shell would type it."""
    module = Path(sys.argv[0]).stem
    prefix = f"python -m benchmarks.{module}" if Path(sys.argv[0]).parent.name == "benchmarks" else f"python {sys.argv[0]}"
    return " ".join([prefix, *(shlex.quote(arg) for arg in sys.argv[1:])])


def write_json(path: str | os.PathLike, data: dict) -> Path:
    """Write ``data`` as indented JSON, creating the folder, and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def synthetic_images(n: int, size: int = STORAGE_SIZE, seed: int = 0, device: str = "cpu") -> torch.Tensor:
    """Return ``n`` random uint8 images of shape ``(n, size, size, 3)``: decoded galaxies cost the same to train on."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, size, size, 3), dtype=torch.uint8, generator=generator).to(device)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
