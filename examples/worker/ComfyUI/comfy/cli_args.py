"""Stand-in for ComfyUI's comfy.cli_args: parsed once at import, mutable before model_management loads."""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--listen", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8188)
parser.add_argument("--cpu", action="store_true")
parser.add_argument("--quick-test-for-ci", action="store_true")
parser.add_argument("--extra-model-paths-config", action="append")
parser.add_argument("--output-directory")
args, _unknown = parser.parse_known_args([])
