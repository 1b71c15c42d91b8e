"""Stand-in for comfy.model_management: like the real one, importing it without --cpu
touches CUDA and crashes on a machine without a GPU."""
import torch

from comfy.cli_args import args

if args.cpu:
    _device = torch.device("cpu")
else:
    torch.cuda.current_device()
    _device = torch.device("cuda")


def get_torch_device():
    return _device
